"""A local Steem-Engine sidechain node (harpagon210/steemsmartcontracts) that follows the devnet.

``custom_json`` operations with id ``ssc-mainnet1`` in accepted devnet blocks run the ``tokens``
contract (create, issue, transfer, enableStaking, stake, unstake, cancelUnstake); the node's JSON-RPC
(``/rpc/blockchain``, ``/rpc/contracts``) is served on the devnet's own HTTP port. Modules:
``streamer`` (ops -> sidechain transactions), ``node`` (blocks, execution), ``contract`` (the
contract ``api``), ``tokens``/``staking`` (the contract), ``store`` (tables), ``jsnum`` (JS/bignumber
semantics), ``rpc`` (HTTP JSON-RPC).
"""

from __future__ import annotations

from devnet.sidechain.node import STREAMER_LAG_BLOCKS, Sidechain, sidechain_for
from devnet.sidechain.rpc import handle_http

__all__ = ["STREAMER_LAG_BLOCKS", "Sidechain", "handle_http", "sidechain_for"]
