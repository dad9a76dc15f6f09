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

Writes go level by level (parents before their replies). A reply WordPress refuses for good (the
plugin's per-item ``permanent`` error, classified TERMINAL by the connector) is recorded as a
problem of that reply (``wp:<site>:reply:<author/permlink>``) and a ``rejected`` row with its
version, so it is not sent again until it is edited on chain; its replies hang under its nearest
mirrored ancestor (or the post) instead. Only transient failures make the thread retry.

Loop safety: the plugin marks these comments ``steem_origin = chain``; the bridge has no
WordPress -> chain comment path, and any future one must skip comments with that mark.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any, Protocol

from bridge.failures import ConnectorError, FailureClass
from bridge.mirror_scan import PostKey
from bridge.model import SourceRef
from bridge.store import StateStore
from mappings.replies import DEFAULT_FRONTEND, ReplyComment, thread_comments, to_write

log = logging.getLogger("wp_steem_bridge.mirror.replies")
MAX_DEPTH = 255  # levels read per thread (STEEM_SOFT_MAX_COMMENT_DEPTH); the chain allows
# deeper replies (up to 0xffff), which earn no rewards and are not mirrored
OK_STATUSES = ("created", "updated", "unchanged", "kept")
REJECTED = "rejected"  # status of a reply row WordPress refused for good
Outcome = dict[str, Any] | None  # the plugin's result for a stored or rejected reply; None: retry


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
        threads_comments = {key: thread_comments(replies[key], posts[key], self.frontend)
                            for key in changed}
        stored, failed = self._write_levels(threads_comments, problems)
        children = {k: int(contents[k].get("children", 0)) for k in [*changed, *quiet]}
        self._save_threads(children, {k: k in failed for k in changed}, block, stored)
        return sum(1 for _, _, r in stored if r["status"] in ("created", "updated"))

    def _write_levels(self, threads: dict[PostKey, list[ReplyComment]],
                      problems: list[tuple[FailureClass, str]]
                      ) -> tuple[list[tuple[PostKey, ReplyComment, dict[str, Any]]], set[PostKey]]:
        """Writes what changed, one depth level at a time, each reply under its nearest ancestor
        WordPress holds; returns the rows to store and the threads to read again (transient)."""
        rows = {k: (json.loads(r["written"]).get("version", ""), json.loads(r["data"]), r["wp_id"])
                for k, r in self.store.mirror_rows("reply").items()}
        rejected = {k for k, (_, data, wp_id) in rows.items()
                    if data.get("status") == REJECTED and not wp_id}
        versions = {k: version for k, (version, _, _) in rows.items()}
        parents = {c.key: (c.parent_author, c.parent_permlink)
                   for comments in threads.values() for c in comments}
        stored: list[tuple[PostKey, ReplyComment, dict[str, Any]]] = []
        retries: list[tuple[FailureClass, str]] = []
        failed_keys: set[str] = set()  # ``author/permlink`` of replies to retry
        failed_threads: set[PostKey] = set()
        for depth in sorted({c.depth for comments in threads.values() for c in comments}):
            batch = []
            for root, comment in _placed(threads, depth, parents, rejected):
                if _key((comment.parent_author, comment.parent_permlink)) in failed_keys:
                    failed_keys.add(comment.key)  # its parent is retried: so is it
                    failed_threads.add(root)
                elif to_write([comment], versions):
                    batch.append((root, comment))
            outcomes = self._write([c for _, c in batch], problems, retries)
            for root, comment in batch:
                result = outcomes[comment.key]
                previous_id = rows.get(comment.key, ("", {}, 0))[2]
                if result is None:
                    failed_keys.add(comment.key)
                    failed_threads.add(root)
                    continue
                if result["status"] != REJECTED:
                    rejected.discard(comment.key)
                elif not previous_id:  # (a refused edit leaves the earlier comment in place)
                    rejected.add(comment.key)
                result = {**result, "comment_id": result.get("comment_id") or previous_id}
                stored.append((root, comment, result))
        self._record_retries(retries, problems)
        return stored, failed_threads

    def _read_threads(self, roots: list[PostKey], contents: dict[PostKey, dict[str, Any]]
                      ) -> dict[PostKey, list[dict[str, Any]]]:
        """All replies under each root, level by level (one batched request per level)."""
        found: dict[PostKey, list[dict[str, Any]]] = {root: [] for root in roots}
        level = [(root, root) for root in roots if int(contents[root].get("children", 0)) > 0]
        for _ in range(MAX_DEPTH):
            if not level:
                break
            answers = self.chain.content_replies([parent for _, parent in level])
            next_level: list[tuple[PostKey, PostKey]] = []
            for (root, _), replies in zip(level, answers, strict=True):
                found[root].extend(replies)
                next_level.extend((root, (r["author"], r["permlink"])) for r in replies
                                  if int(r.get("children", 0)) > 0)
            level = next_level
        return found

    def _write(self, comments: list[ReplyComment], problems: list[tuple[FailureClass, str]],
               retries: list[tuple[FailureClass, str]]) -> dict[str, Outcome]:
        """Result per comment key: the plugin's (status ``rejected`` for a reply WordPress
        refused for good, recorded as that reply's problem); None for a write to retry (its
        reason added to ``retries``)."""
        if not comments:
            return {}
        try:
            results = self.site.write_reply_comments([c.as_payload() for c in comments])
        except ConnectorError as exc:
            retries.append((exc.failure, exc.message))
            return {c.key: None for c in comments}
        outcomes: dict[str, Outcome] = {}
        for comment, result in zip(comments, results, strict=True):
            message = str(result.get("message") or "not stored")
            if result.get("status") in OK_STATUSES:
                outcomes[comment.key] = result
                self.store.clear_problem(self._reply_source(comment), "mirror reply")
            elif result.get("failure") == FailureClass.TERMINAL:
                outcomes[comment.key] = {"status": REJECTED, "message": message[:500]}
                self._reject(comment, message, problems)
            else:
                outcomes[comment.key] = None
                retries.append((FailureClass.TRANSIENT, f"@{comment.key}: {message}"))
        return outcomes

    def _record_retries(self, retries: list[tuple[FailureClass, str]],
                        problems: list[tuple[FailureClass, str]]) -> None:
        """One problem for this run's writes to retry (the connector's class when it failed
        as a whole), or none left."""
        source = str(SourceRef("wp", self.site_id, "comments", "chain"))
        if not retries:
            self.store.clear_problem(source, "mirror replies")
            return
        failure = next((f for f, _ in retries if f is not FailureClass.TRANSIENT),
                       FailureClass.TRANSIENT)
        text = "; ".join(text for _, text in retries)[:1900]
        self.store.record_problem(source, "mirror replies", failure.value, text)
        problems.append((failure, f"mirror replies: {text}"))

    def _reply_source(self, comment: ReplyComment) -> str:
        return str(SourceRef("wp", self.site_id, "reply", comment.key))

    def _reject(self, comment: ReplyComment, message: str,
                problems: list[tuple[FailureClass, str]]) -> None:
        """A reply WordPress will never take as it is: recorded for a person, not retried."""
        reason = f"reply @{comment.key} not mirrored: {message}"[:1900]
        self.store.record_problem(self._reply_source(comment), "mirror reply",
                                  FailureClass.TERMINAL.value, reason)
        problems.append((FailureClass.TERMINAL, f"mirror replies: {reason}"))
        log.warning("%s", reason)

    def _save_threads(self, children: dict[PostKey, int], retry: dict[PostKey, bool], block: int,
                      stored: Iterable[tuple[PostKey, ReplyComment, dict[str, Any]]] = ()
                      ) -> None:
        with self.store.transaction():
            for root, comment, result in stored:
                self.store.put_mirror_row(
                    "reply", comment.key, int(result.get("comment_id") or 0),
                    {"version": comment.version},
                    {"root": _key(root), "status": str(result.get("status")),
                     **({"reason": result["message"]} if result.get("status") == REJECTED
                        else {})}, block)
            for key, count in children.items():
                data = {"children": count, "retry": retry.get(key, False)}
                self.store.put_mirror_row("thread", _key(key), 0, {}, data, block)


def _placed(threads: dict[PostKey, list[ReplyComment]], depth: int, parents: dict[str, PostKey],
            rejected: set[str]) -> Iterator[tuple[PostKey, ReplyComment]]:
    """The replies of one depth level, each under its nearest ancestor WordPress holds."""
    for root, comments in threads.items():
        for comment in (c for c in comments if c.depth == depth):
            parent = _nearest_kept(comment, parents, rejected)
            yield root, replace(comment, parent_author=parent[0], parent_permlink=parent[1])


def _nearest_kept(comment: ReplyComment, parents: dict[str, PostKey],
                  rejected: set[str]) -> PostKey:
    """The comment's parent, or when WordPress refused that one, its nearest ancestor WordPress
    holds (the post itself at the top)."""
    parent = (comment.parent_author, comment.parent_permlink)
    seen: set[str] = set()
    while _key(parent) in rejected and _key(parent) in parents and _key(parent) not in seen:
        seen.add(_key(parent))
        parent = parents[_key(parent)]
    return parent


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
