"""The reply mirror (optional, ``[mirror] replies_to_comments``): chain replies to bridged posts
become WordPress comments, held for moderation, threaded, cleaned, one per ``author/permlink``.

Runs inside the rewards mirror's run (bridge/mirror.py), on the posts that run read anyway:
a thread is fetched (``get_content_replies``, one batched request per depth level) only when the
post's ``children`` count differs from the last one mirrored, when the block scan saw a reply op
in the thread (new or edited reply), or when an earlier write failed. The first run after the
option is switched on reads every bridged post once (``due``) to catch up on old threads.

State rows (the mirror table): ``thread`` per bridged post (``children`` last mirrored, ``retry``)
and ``reply`` per written reply (its WordPress comment id and content version), whose keys also
let the block scan map a reply-to-a-reply back to its thread.

Loop safety: the plugin marks these comments ``steem_origin = chain``; the bridge has no
WordPress -> chain comment path, and any future one must skip comments with that mark.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any, Protocol

from bridge.failures import ConnectorError, FailureClass
from bridge.mirror_scan import PostKey
from bridge.model import SourceRef
from bridge.store import StateStore
from mappings.replies import DEFAULT_FRONTEND, ReplyComment, thread_comments, to_write

log = logging.getLogger("wp_steem_bridge.mirror.replies")
MAX_DEPTH = 255  # STEEM_MAX_COMMENT_DEPTH: a thread is never deeper


class ReplyChain(Protocol):
    def content_replies(self, parents: list[tuple[str, str]]) -> list[list[dict[str, Any]]]: ...


class ReplySite(Protocol):
    def write_reply_comments(self, comments: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


class ReplyMirror:
    def __init__(self, store: StateStore, chain: ReplyChain, site: ReplySite, site_id: str, *,
                 frontend: str = DEFAULT_FRONTEND) -> None:
        self.store, self.chain, self.site, self.site_id = store, chain, site, site_id
        self.frontend = frontend

    # -- what the rewards mirror asks ---------------------------------------------------------

    def reply_roots(self) -> dict[PostKey, PostKey]:
        """Every mirrored reply -> its thread's bridged post (for the block scan)."""
        roots: dict[PostKey, PostKey] = {}
        for key, row in self.store.mirror_rows("reply").items():
            root = json.loads(row["data"]).get("root", "")
            if "/" in root:
                roots[_split(key)] = _split(root)
        return roots

    def due(self, posts: Iterable[PostKey]) -> set[PostKey]:
        """Posts to read this run although nothing touched them: never looked at, or failed."""
        threads = self.store.mirror_rows("thread")
        return {p for p in posts
                if _key(p) not in threads or json.loads(threads[_key(p)]["data"]).get("retry")}

    # -- one run ----------------------------------------------------------------------------

    def sync(self, contents: dict[PostKey, dict[str, Any]], posts: dict[PostKey, int],
             touched_threads: set[PostKey], block: int,
             problems: list[tuple[FailureClass, str]]) -> int:
        """Mirror the threads of the posts read this run that changed; returns comments written."""
        threads = {k: json.loads(r["data"]) for k, r in self.store.mirror_rows("thread").items()}
        changed = [key for key, content in sorted(contents.items())
                   if key in posts and _thread_changed(threads.get(_key(key)), content,
                                                       key in touched_threads)]
        quiet = [key for key in contents if key in posts and key not in changed
                 and _key(key) not in threads]
        if not changed:
            self._save_threads({k: int(contents[k].get("children", 0)) for k in quiet}, {}, block)
            return 0
        try:
            replies = self._read_threads(changed, contents)
        except ConnectorError as exc:  # the scan cursor has moved on: look again next run
            self._save_threads({k: int(threads.get(_key(k), {}).get("children", -1))
                                for k in changed}, dict.fromkeys(changed, True), block)
            problems.append((exc.failure, f"mirror replies: {exc.message}"))
            return 0
        written = {k: json.loads(r["written"]).get("version", "")
                   for k, r in self.store.mirror_rows("reply").items()}
        comments = {key: to_write(thread_comments(replies[key], posts[key], self.frontend),
                                  written) for key in changed}
        outcomes = self._write([c for key in changed for c in comments[key]], problems)
        failed = {key for key in changed if any(outcomes.get(c.key) is None for c in comments[key])}
        children = {k: int(contents[k].get("children", 0)) for k in [*changed, *quiet]}
        stored = [(key, c, result) for key in changed for c in comments[key]
                  if (result := outcomes.get(c.key)) is not None]
        self._save_threads(children, {k: k in failed for k in changed}, block, stored)
        return sum(1 for r in outcomes.values() if r and r["status"] in ("created", "updated"))

    def _read_threads(self, roots: list[PostKey], contents: dict[PostKey, dict[str, Any]]
                      ) -> dict[PostKey, list[dict[str, Any]]]:
        """All replies under each root, level by level (one batched request per level)."""
        found: dict[PostKey, list[dict[str, Any]]] = {root: [] for root in roots}
        level = [(root, root) for root in roots if int(contents[root].get("children", 0)) > 0]
        for _ in range(MAX_DEPTH):
            if not level:
                break
            answers = self.chain.content_replies([parent for _, parent in level])
            next_level = []
            for (root, _), replies in zip(level, answers, strict=True):
                found[root].extend(replies)
                next_level.extend((root, (r["author"], r["permlink"])) for r in replies
                                  if int(r.get("children", 0)) > 0)
            level = next_level
        return found

    def _write(self, comments: list[ReplyComment], problems: list[tuple[FailureClass, str]]
               ) -> dict[str, dict[str, Any] | None]:
        """Result per comment key; None for a comment whose write failed."""
        if not comments:
            return {}
        source = str(SourceRef("wp", self.site_id, "comments", "chain"))
        try:
            results = self.site.write_reply_comments([c.as_payload() for c in comments])
        except ConnectorError as exc:
            self.store.record_problem(source, "mirror replies", exc.failure.value, exc.message)
            problems.append((exc.failure, f"mirror replies: {exc.message}"))
            return {c.key: None for c in comments}
        outcomes: dict[str, dict[str, Any] | None] = {}
        failed = []
        for comment, result in zip(comments, results, strict=True):
            ok = result.get("status") in ("created", "updated", "unchanged", "kept")
            outcomes[comment.key] = result if ok else None
            if not ok:
                failed.append(f"@{comment.key}: {result.get('message') or 'not stored'}")
        if failed:
            text = "; ".join(failed)[:1900]
            self.store.record_problem(source, "mirror replies", FailureClass.TRANSIENT.value, text)
            problems.append((FailureClass.TRANSIENT, f"mirror replies: {text}"))
        else:
            self.store.clear_problem(source, "mirror replies")
        return outcomes

    def _save_threads(self, children: dict[PostKey, int], retry: dict[PostKey, bool], block: int,
                      stored: Iterable[tuple[PostKey, ReplyComment, dict[str, Any]]] = ()
                      ) -> None:
        with self.store.transaction():
            for root, comment, result in stored:
                self.store.put_mirror_row(
                    "reply", comment.key, int(result.get("comment_id") or 0),
                    {"version": comment.version},
                    {"root": _key(root), "status": str(result.get("status"))}, block)
            for key, count in children.items():
                data = {"children": count, "retry": retry.get(key, False)}
                self.store.put_mirror_row("thread", _key(key), 0, {}, data, block)


def _thread_changed(row: dict[str, Any] | None, content: dict[str, Any], touched: bool) -> bool:
    children = int(content.get("children", 0))
    if row is None:
        return children > 0
    return touched or bool(row.get("retry")) or int(row.get("children", -1)) != children


def _key(post: PostKey) -> str:
    return f"{post[0]}/{post[1]}"


def _split(key: str) -> PostKey:
    author, _, permlink = key.partition("/")
    return author, permlink
