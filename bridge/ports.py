"""The seam: every protocol the engine talks to the outside through, and the values that cross it.

Connectors (``connectors/``) implement these; the engine (``bridge/``) depends only on them, so it
loads and runs without beem, requests or WordPress (the test fakes implement them too, and one
contract suite per protocol runs against the real implementation and the fake alike).

    Source      -- records of one kind changed since a cursor (WordPress posts over REST or
                   XML-RPC; later comments, likes, point events), already typed
    Chain       -- head, account clocks, sign, broadcast, find a transaction, read a comment
    ChainReads  -- the batched reads of the chain -> WordPress stream (the rewards mirror)
    Sidechain   -- a Steem-Engine style sidechain's own transaction log (token confirmations)
    SiteWriter  -- what the bridge writes into WordPress: chain meta, mirrored meta, comments,
                   points
    SiteDirectory -- what the bridge reads about the site itself: name, URL, linked members

Errors crossing the seam are ``bridge.failures.ConnectorError`` subclasses, sorted at the
connector. Chain times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from bridge.failures import ConnectorError
from bridge.model import PointEvent

Cursor = dict[str, str]  # a source's position: opaque to the engine, moved with the enqueue
Operation = tuple[str, dict[str, Any]]  # condenser-style ["comment", {...}]
JsonDict = dict[str, Any]  # a chain or WordPress object as JSON
MetaTarget = Literal["chain", "post", "user", "likes", "comment"]  # what a MetaWrite's object is
SiteState = Literal["heartbeat", "globals"]  # site-wide values the bridge keeps in WordPress
RecordT_co = TypeVar("RecordT_co", covariant=True)


@dataclass(frozen=True)
class ChainHead:
    block_num: int
    time: datetime  # head block time, UTC
    irreversible_block_num: int


@dataclass(frozen=True)
class SignedTx:
    tx_id: str
    expiration: datetime  # UTC
    tx: JsonDict  # the signed transaction, condenser JSON


@dataclass(frozen=True)
class AccountTimes:
    """The per-account clocks the chain's rate limits are measured against (chain time)."""

    name: str
    last_root_post: datetime
    last_post: datetime
    last_post_edit: datetime
    last_vote_time: datetime


@dataclass(frozen=True)
class ChainProps:
    """Dynamic global properties the mirror needs (one call)."""

    head_block_num: int
    irreversible_block_num: int
    time: str  # head block time, chain format
    total_vesting_fund_steem: str  # legacy asset string
    total_vesting_shares: str


@dataclass(frozen=True)
class PostSelection:
    """Which published posts a backfill takes: all of them narrowed by a publication window
    (site-local ``YYYY-MM-DDTHH:MM:SS``, ``since`` and ``until`` exclusive, as WordPress's
    ``after``/``before``), by ids, and by categories (slugs, names or ids)."""

    since: str | None = None
    until: str | None = None
    ids: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class SidechainReceipt:
    """A sidechain's verdict on one main-chain transaction: its block and any contract errors."""

    tx_id: str
    block_num: int
    errors: tuple[str, ...] = ()
    # per entry of an action array, in order: that action's errors (empty = applied); a
    # single action is one entry
    actions: tuple[tuple[str, ...], ...] = ()


class Source(Protocol[RecordT_co]):
    """Records of one kind, changed since a cursor, oldest change first."""

    @property
    def name(self) -> str: ...  # the cursor's name, e.g. "wp:demo:posts"

    def changed_since(self, cursor: Cursor) -> Iterator[tuple[RecordT_co, Cursor]]:
        """(record, how far it moves the cursor) pairs; unreadable records come as
        ``bridge.model.Unreadable`` in their place, never as an exception that stops the poll."""
        ...

    def fetch(self, object_ids: list[int]) -> Sequence[RecordT_co]:
        """The current state of these objects (deferred ones coming due)."""
        ...


class Chain(Protocol):
    def head(self) -> ChainHead: ...
    def account_times(self, name: str) -> AccountTimes | None: ...
    def sign(self, operations: Sequence[Operation], wif: str) -> SignedTx: ...
    def broadcast(self, signed: SignedTx) -> None: ...
    def find_transaction(self, tx_id: str) -> int | None: ...
    def find_transactions(self, tx_ids: Sequence[str]) -> dict[str, int]:
        """Block numbers of those of ``tx_ids`` that are in a block (one batched look-up)."""
        ...

    def get_content(self, author: str, permlink: str) -> JsonDict | None: ...


class ChainReads(Protocol):
    """Batched reads for the chain -> WordPress stream; ``read_requests`` counts HTTP requests."""

    read_requests: int

    def chain_props(self) -> ChainProps: ...
    def contents(self, posts: Sequence[tuple[str, str]]) -> list[JsonDict | None]: ...
    def content_replies(self, parents: Sequence[tuple[str, str]]) -> list[list[JsonDict]]: ...
    def accounts(self, names: Sequence[str]) -> dict[str, JsonDict]: ...
    def ops_in_blocks(self, first: int, last: int) -> list[JsonDict]: ...
    def account_histories(self, starts: Sequence[tuple[str, int]],
                          limit: int) -> dict[str, list[tuple[int, JsonDict]]]: ...


class Sidechain(Protocol):
    def find_sidechain_transaction(self, tx_id: str) -> SidechainReceipt | None: ...


class SidechainTokens(Protocol):
    """The sidechain's ``tokens`` tables (``contracts`` ``find``/``findOne``)."""

    def token(self, symbol: str) -> JsonDict | None:
        """The token's row (issuer, precision, supply, maxSupply), or None."""
        ...

    def balances(self, symbol: str, accounts: Sequence[str]) -> dict[str, str]:
        """Liquid balances (decimal strings) of ``accounts`` in ``symbol``; absent = none."""
        ...


@dataclass(frozen=True)
class MetaWrite:
    """Meta for one WordPress object: ``target`` is "chain" (a bridged post's chain state),
    "comment" (a bridged comment's chain state), "post" or "user" (mirrored rewards)."""

    target: MetaTarget
    object_id: int
    values: JsonDict


class SiteWriter(Protocol):
    def write_meta(self, writes: Sequence[MetaWrite]) -> list[ConnectorError | None]:
        """One outcome per write: None when stored, else that write's classified error. A
        failure of the whole site (down, wrong password) raises instead."""
        ...

    def write_reply_comments(self, comments: list[JsonDict]) -> list[JsonDict]: ...
    def award_vote_points(self, awards: list[JsonDict]) -> list[JsonDict]: ...

    def write_site_state(self, kind: SiteState, values: JsonDict) -> None:
        """A site-wide value the plugin shows: the bridge's heartbeat, the chain's globals."""
        ...


@dataclass(frozen=True)
class RetryRequest:
    """A person pressed Retry on a failed post in WordPress."""

    request_id: int  # increasing: the feed's cursor
    post_id: int


@dataclass(frozen=True)
class LinkRequest:
    """A member's link to a chain account as WordPress holds it (``linking.php``).

    ``state``: "pending" (waiting for a grant or a signature) or "linked"; ``grant``: whether the
    bridge last saw the app account's posting authority in force; ``expires``: the challenge's
    end (UTC)."""

    user_id: int
    account: str
    state: Literal["pending", "linked"]
    challenge: str = ""
    signature: str = ""
    expires: datetime | None = None
    grant: bool = False


@dataclass(frozen=True)
class LinkVerdict:
    """What the bridge concluded: "linked" (``grant`` says how), "refused" or "unlinked" with
    the ``reason`` the member is shown, or "pending" with what the member still has to do."""

    user_id: int
    account: str
    verdict: Literal["linked", "refused", "unlinked", "pending"]
    reason: str = ""
    grant: bool = False


@dataclass(frozen=True)
class LinkFeed:
    """The open link requests and the linked members; ``seq`` moves on every change."""

    seq: int
    requests: tuple[LinkRequest, ...]


class LinkDesk(Protocol):
    def link_requests(self, after: int) -> LinkFeed | None:
        """The feed, or None when the change feed said nothing changed after ``seq`` ``after``
        (no request then)."""
        ...

    def write_link_verdicts(self, verdicts: Sequence[LinkVerdict]) -> None: ...


@dataclass(frozen=True)
class PointsPage:
    """One read of the points feed: events after the cursor, oldest first, and the feed's
    position after them (``last``)."""

    events: tuple[PointEvent, ...]
    last: int


class PointsFeed(Protocol):
    """The companion plugin's points feed (myCRED, GamiPress, a mini-program's ledger table) and
    the token balances mirrored back to members' profiles."""

    def point_events(self, after: int, limit: int) -> PointsPage: ...

    def write_token_balances(self, balances: Sequence[JsonDict]) -> None:
        """``[{"user_id", "account", "symbol", "balance"}]`` into user meta."""
        ...


class SiteDirectory(Protocol):
    def site_info(self) -> JsonDict: ...  # {"name", "url", "namespaces"}
    def users_with_steem_account(self) -> dict[str, int]: ...  # chain account -> user id
    def retry_requests(self, after: int) -> list[RetryRequest]: ...  # oldest first


@dataclass(frozen=True)
class LedgerEntry:
    """One points ledger entry as the anchor hashes it: ``data`` is the entry's JSON object and
    must carry its ``id`` (ids never go backwards)."""

    entry_id: str
    data: JsonDict


class LedgerEntries(Protocol):
    """The points ledger feed, read by the anchor (``bridge/anchor.py``): entries after an id, in
    ledger order ("" = from the start). Implemented by the points feed connector."""

    def entries_after(self, entry_id: str, limit: int) -> Sequence[LedgerEntry]: ...
