"""The reply mirror with a fake chain and a fake WordPress: a reply WordPress refuses for good is
recorded as that reply's problem and never sent again, its replies hang under the nearest
mirrored ancestor, and every other reply keeps mirroring; transient failures still retry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bridge.mirror_replies import ReplyMirror
from bridge.store import StateStore
from connectors.failures import FailureClass
from connectors.wordpress_rest import reply_failure

POST = ("iguazi123", "the-post")
POST_ID = 7


def chain_reply(author: str, permlink: str, parent: tuple[str, str], depth: int,
                children: int = 0) -> dict[str, Any]:
    return {"author": author, "permlink": permlink, "parent_author": parent[0],
            "parent_permlink": parent[1], "body": f"by {author}", "depth": depth,
            "children": children, "created": f"2024-01-01T00:00:{depth:02d}"}


class FakeChain:
    def __init__(self, replies: list[dict[str, Any]]) -> None:
        self.replies = replies

    def content_replies(self, parents: list[tuple[str, str]]) -> list[list[dict[str, Any]]]:
        return [[r for r in self.replies if (r["parent_author"], r["parent_permlink"]) == p]
                for p in parents]


class FakeWordPress:
    """Stores comments like the plugin: a parent must be the post or a stored reply; keys in
    ``refuse`` get the plugin's permanent error, keys in ``busy`` a transient one."""

    def __init__(self, refuse: set[str] = frozenset(), busy: set[str] = frozenset()) -> None:
        self.refuse, self.busy = set(refuse), set(busy)
        self.comments: dict[str, dict[str, Any]] = {}
        self.sent: list[str] = []

    def write_reply_comments(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self._one(item) for item in items]

    def _one(self, item: dict[str, Any]) -> dict[str, Any]:
        key = f"{item['author']}/{item['permlink']}"
        parent = f"{item['parent_author']}/{item['parent_permlink']}"
        self.sent.append(key)
        if key in self.refuse:
            result = {"key": key, "status": "error", "permanent": True,
                      "message": "the reply is longer than a WordPress comment holds"}
        elif key in self.busy or (parent != "/".join(POST) and parent not in self.comments):
            result = {"key": key, "status": "error", "permanent": False,
                      "message": f"parent reply @{parent} is not mirrored yet"
                      if key not in self.busy else "busy"}
        else:
            self.comments[key] = {**item, "id": len(self.comments) + 1}
            return {"key": key, "status": "created", "comment_id": len(self.comments)}
        return {**result, "failure": reply_failure(result)}  # as the REST connector does


def thread() -> list[dict[str, Any]]:
    """bad (refused) <- under-bad <- deeper; good beside it."""
    return [chain_reply("voter-one", "bad", POST, 1, children=1),
            chain_reply("voter-two", "under-bad", ("voter-one", "bad"), 2, children=1),
            chain_reply("voter-one", "deeper", ("voter-two", "under-bad"), 3),
            chain_reply("wenchao", "good", POST, 1)]


def run(mirror: ReplyMirror, touched: bool = False) -> list[tuple[FailureClass, str]]:
    problems: list[tuple[FailureClass, str]] = []
    mirror.sync({POST: {"children": 4}}, {POST: POST_ID}, {POST} if touched else set(), 10,
                problems)
    return problems


def test_a_refused_reply_is_terminal_for_itself_and_the_rest_mirror(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db", site="s")
    site = FakeWordPress(refuse={"voter-one/bad"})
    mirror = ReplyMirror(store, FakeChain(thread()), site, "s")

    problems = run(mirror)

    assert [f for f, _ in problems] == [FailureClass.TERMINAL]
    assert "@voter-one/bad" in problems[0][1] and "longer than" in problems[0][1]
    assert set(site.comments) == {"voter-two/under-bad", "voter-one/deeper", "wenchao/good"}
    # hung under the nearest ancestor WordPress holds: the post
    assert site.comments["voter-two/under-bad"]["parent_permlink"] == "the-post"
    assert site.comments["voter-one/deeper"]["parent_permlink"] == "under-bad"
    recorded = {(p["source_ref"], p["failure_class"]) for p in store.problems()}
    assert recorded == {("wp:s:reply:voter-one/bad", "terminal")}

    site.sent.clear()
    again = run(mirror, touched=True)  # a reply op in the thread: it is read again

    assert again == []
    assert site.sent == []  # the refused reply is not retried, nothing else changed
    assert store.mirror_rows("thread")["iguazi123/the-post"]["data"].count('"retry":false')


def test_a_transient_failure_retries_the_reply_and_what_hangs_under_it(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db", site="s")
    site = FakeWordPress(busy={"voter-one/bad"})
    mirror = ReplyMirror(store, FakeChain(thread()), site, "s")

    problems = run(mirror)

    assert [f for f, _ in problems] == [FailureClass.TRANSIENT]
    assert set(site.comments) == {"wenchao/good"}
    assert "voter-two/under-bad" not in site.sent  # not sent under the wrong parent

    site.busy.clear()
    assert run(mirror) == []  # the thread was marked for retry
    assert set(site.comments) == {"voter-one/bad", "voter-two/under-bad", "voter-one/deeper",
                                  "wenchao/good"}
    assert site.comments["voter-two/under-bad"]["parent_permlink"] == "bad"
    assert store.problems() == []


def test_the_connector_reads_the_plugins_permanent_flag() -> None:
    assert reply_failure({"status": "error", "permanent": True}) is FailureClass.TERMINAL
    assert reply_failure({"status": "error", "permanent": False}) is FailureClass.TRANSIENT
    assert reply_failure({"status": "error"}) is FailureClass.TRANSIENT  # an older plugin
