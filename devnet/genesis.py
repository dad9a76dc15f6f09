"""Chain identity and genesis constants of the devnet (one place, imported everywhere).

Values mirror steem@main ``libraries/protocol/include/steem/protocol/config.hpp`` (mainnet build,
``STEEM_BLOCKCHAIN_VERSION 0.23.1``) except the chain id, which is deliberately non-zero so that a
devnet signature can never be replayed on Steem mainnet.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

CHAIN_ID: str = hashlib.sha256(b"wp-steem-bridge devnet").hexdigest()
CHAIN_ID_BYTES: bytes = bytes.fromhex(CHAIN_ID)
ADDRESS_PREFIX = "STM"
HIVE_CHAIN_ID: str = hashlib.sha256(b"wp-steem-bridge devnet hive").hexdigest()
# ``--chain``: Steem (default) or Hive. Hive keeps prefix STM and the binary asset symbols STEEM/SBD
# (hive ``legacy_asset`` packing, as beem's Amount does) but names them HIVE/HBD in JSON and prefixes its
# config keys with HIVE_ (openhive-network/hive ``libraries/protocol/get_config.cpp``).
CHAIN_PARAMS: dict[str, dict[str, str]] = {
    "steem": {"chain_id": CHAIN_ID, "prefix": ADDRESS_PREFIX, "core": "STEEM", "debt": "SBD", "config": "STEEM"},
    "hive": {"chain_id": HIVE_CHAIN_ID, "prefix": ADDRESS_PREFIX, "core": "HIVE", "debt": "HBD", "config": "HIVE"},
}
BLOCKCHAIN_VERSION = "0.23.1"

INITMINER = "initminer"
# The well-known, published steem testnet key (steem ``libraries/protocol/include/steem/protocol/config.hpp``
# STEEM_INIT_PRIVATE_KEY in the testnet build). Public: never use it outside a devnet.
INITMINER_WIF = "5JNHfZYKGaomSFvd4NUdQ9qMcEAC43kujbfjueTHpVapX1Kzq2n"

GENESIS_TIME: int = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())

BLOCK_INTERVAL = 3
CASHOUT_WINDOW_SECONDS = 604800
MIN_ROOT_COMMENT_INTERVAL = 300
MIN_REPLY_INTERVAL_HF20 = 3
MIN_COMMENT_EDIT_INTERVAL = 3
MIN_VOTE_INTERVAL_SEC = 3
MAX_VOTE_CHANGES = 5
VOTE_DUST_THRESHOLD = 50_000_000
VOTING_MANA_REGENERATION_SECONDS = 432000
UPVOTE_LOCKOUT_SECONDS = 43200
VOTE_POWER_RESERVE_RATE = 10
DOWNVOTE_POOL_PERCENT = 2500
MAX_TIME_UNTIL_EXPIRATION = 3600
MAX_MEMO_SIZE = 2048
MAX_PERMLINK_LENGTH = 256
COMMENT_TITLE_LIMIT = 256
BENEFICIARY_LIMIT = 128
CUSTOM_OP_ID_MAX_LENGTH = 32
CUSTOM_OP_DATA_MAX_LENGTH = 8192
MAX_AUTHORITY_MEMBERSHIP = 40
MAX_SIG_CHECK_DEPTH = 2
MAXIMUM_BLOCK_SIZE = 65536
TAPOS_WINDOW = 0x10000
MAX_COMMENT_DEPTH = 0xFFFF
PERCENT_100 = 10000
TREASURY_ACCOUNT = "steem.dao"
NULL_ACCOUNT = "null"
ACCOUNT_CREATION_FEE = 3000  # 3.000 STEEM, satoshis
MAX_ACCOUNT_CREATION_FEE = 1_000_000_000

# Vesting price kept constant: 1 STEEM buys VESTS_PER_STEEM VESTS (both at their own precision).
VESTS_PER_STEEM = 2000
INITMINER_BALANCE = 1_000_000_000  # 1,000,000.000 STEEM (satoshis)
INITMINER_SBD = 100_000_000  # 100,000.000 SBD
INITMINER_VESTS = 1_000_000_000_000  # 1,000,000.000000 VESTS (satoshis)

# Reward fund ("post") and price feed, post-HF21 shapes (database.cpp:5630-5632).
REWARD_BALANCE = 800_000_000  # 800,000.000 STEEM
RECENT_CLAIMS = 100_000_000_000_000
CONTENT_CONSTANT = 2_000_000_000_000
PERCENT_CURATION_REWARDS = 5000
MEDIAN_PRICE_BASE_SBD = 250  # 0.250 SBD ...
MEDIAN_PRICE_QUOTE_STEEM = 1000  # ... per 1.000 STEEM

RC_REGEN_SECONDS = 432000
