"""The two worlds the chain contract suite runs in: a fresh devnet through the real connectors,
and the in-memory ``FakeChain``. Each gives the ``Chain`` and ``Sidechain`` under test, a way to
make an account with separate posting and active keys, and a way to let chain time pass."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Protocol

from bridge.ports import Chain, Sidechain
from connectors.sidechain import SteemEngineSidechain
from connectors.steem import SteemChain, new_key
from deploy.devstack import localstack
from devnet.genesis import CHAIN_ID, INITMINER, INITMINER_WIF
from tests.support.fake_chain import FakeChain

TX_EXPIRATION = 60  # seconds, in both worlds


@dataclass(frozen=True)
class Account:
    name: str
    posting: str  # wif
    active: str  # wif


class World(Protocol):
    chain: Chain
    sidechain: Sidechain

    def new_account(self) -> Account: ...
    def advance(self, seconds: int) -> None: ...  # at least this much chain time passes


_names = itertools.count()


def _fresh_account() -> tuple[str, str, str, str, str]:
    posting, active = new_key(), new_key()
    return f"acct{next(_names)}x", posting.wif, posting.public, active.wif, active.public


class DevnetWorld:
    def __init__(self, url: str) -> None:
        self.url = url
        self.chain = SteemChain([url], CHAIN_ID, tx_expiration=TX_EXPIRATION)
        self.sidechain = SteemEngineSidechain(f"{url}/rpc/")

    def new_account(self) -> Account:
        name, posting_wif, posting_pub, active_wif, active_pub = _fresh_account()

        def auth(public: str) -> dict[str, object]:
            return {"weight_threshold": 1, "account_auths": [], "key_auths": [[public, 1]]}

        op = ("account_create", {
            "fee": "3.000 STEEM", "creator": INITMINER, "new_account_name": name,
            "owner": auth(active_pub), "active": auth(active_pub), "posting": auth(posting_pub),
            "memo_key": posting_pub, "json_metadata": ""})
        self.chain.broadcast(self.chain.sign([op], INITMINER_WIF))
        return Account(name, posting_wif, active_wif)

    def advance(self, seconds: int) -> None:
        localstack.generate_blocks(self.url, max(1, math.ceil(seconds / 3)))


class FakeWorld:
    def __init__(self) -> None:
        self.fake = FakeChain()
        self.chain = self.sidechain = self.fake

    def new_account(self) -> Account:
        name, posting_wif, _, active_wif, _ = _fresh_account()
        self.fake.create_account(name, posting_wif, active_wif)
        return Account(name, posting_wif, active_wif)

    def advance(self, seconds: int) -> None:
        self.fake.advance(max(3, math.ceil(seconds / 3) * 3))
