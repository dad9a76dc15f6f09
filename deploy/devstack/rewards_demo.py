"""``make demo``'s rewards part (devnet only): the demo accounts vote on each other's published
posts, chain time moves past the 7-day payout, and the mirrored payouts and votes are printed.

Nothing here runs in production; the votes are signed with the demo keys file's posting keys.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from bridge.store import StateStore
from connectors.failures import AlreadyApplied, ConnectorError
from connectors.steem import SteemChain
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID

PAYOUT_BLOCKS = 201600 + 20  # 7 days of 3-second blocks, and a minute more


def vote_on_published(devnet_url: str, keys_file: Path, store: StateStore) -> int:
    """Every demo account votes 100 % on every published post of the other accounts."""
    keys = {k: str(v) for k, v in tomllib.loads(keys_file.read_text()).items()}
    chain = SteemChain([devnet_url], CHAIN_ID)
    votes = 0
    for row in store.links():
        if row["state"] != "on_chain":
            continue
        content = chain.get_content(row["author"], row["permlink"])
        if content is None or content["cashout_time"].startswith("1969"):
            continue  # gone, or already paid out in an earlier demo run
        for voter, wif in sorted(keys.items()):
            if voter == row["author"]:
                continue
            op = ("vote", {"voter": voter, "author": row["author"], "permlink": row["permlink"],
                           "weight": 10000})
            try:
                chain.broadcast(chain.sign([op], wif))
            except ConnectorError as exc:
                if isinstance(exc, AlreadyApplied) or "identical" in exc.message:
                    continue  # voted in an earlier demo run
                print(f"   vote @{voter} -> @{row['author']}/{row['permlink']}: {exc.message}")
                continue
            votes += 1
    return votes


def advance_past_payout(devnet_url: str) -> None:
    localstack.generate_blocks(devnet_url, PAYOUT_BLOCKS)


def rewards_table(store: StateStore) -> list[dict[str, Any]]:
    """One row per mirrored post: author/permlink, votes, payout, as last written to WordPress."""
    rows = []
    for key, row in sorted(store.mirror_rows("post").items()):
        written = json.loads(row["written"])
        rows.append({"post": key, "wp_id": row["wp_id"],
                     "votes": written.get("steem_vote_count", 0),
                     "pending": written.get("steem_pending_payout", ""),
                     "author_payout": written.get("steem_author_payout", ""),
                     "curator_payout": written.get("steem_curator_payout", "")})
    return rows


def print_rewards(store: StateStore) -> None:
    print(f"\n{'id':>4}  {'@author/permlink':56}  {'votes':>5}  {'author payout':>14}  "
          f"{'curators':>12}")
    for row in rewards_table(store):
        print(f"{row['wp_id']:>4}  {row['post'][:56]:56}  {row['votes']:>5}  "
              f"{row['author_payout']:>14}  {row['curator_payout']:>12}")
