"""The comments mapping over real comments: the WordPress Theme Unit Test data's 33 comments
(HTML-heavy ones, a thread ten levels deep, pingbacks and trackbacks, held ones), mapped with a
fixed context; golden file tests/golden/mappings/comments/theme-unit-test.json
(``--update-golden`` rewrites it). Plus the rules one by one: permlinks, who signs, loop safety,
likes, threading waits, edits and deletes.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bridge.model import ChainLink, CommentRecord, Intent, IntentKind, Skip, SourceRef
from mappings.comments import (
    MAX_PERMLINK,
    CommentOptions,
    ReplyParent,
    comment_to_delete,
    comment_to_intent,
    make_reply,
    reply_permlink,
)
from tests.mappings.seed_records import SITE_URL, golden_context

WXR = Path("/work/shared/fixtures/wordpress/themeunittestdata.wordpress.xml")
GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "mappings" / "comments" \
    / "theme-unit-test.json"
NS = {"wp": "https://wordpress.org/export/1.2/"}
POST = ReplyParent("alice", "template-comments-x1y2z3ab")
LINKED = {"themedemos": "themedemos", "Jane Doe": "jane-doe"}  # members with steem_account
PERMLINK = re.compile(r"^[a-z0-9-]{1,255}$")


def theme_unit_comments() -> list[CommentRecord]:
    """Every comment of the Theme Unit Test export as the plugin would report it."""
    records = []
    for item in ET.parse(WXR).getroot().iter("item"):
        post_id = int(item.findtext("wp:post_id", "0", NS))
        for element in item.findall("wp:comment", NS):
            def field(name: str, element: Any = element) -> str:
                return element.findtext(f"wp:{name}", "", NS) or ""
            approved = field("comment_approved")
            author = field("comment_author")
            records.append(CommentRecord(
                source=SourceRef("wp", "demo", "comment", field("comment_id")),
                post_id=post_id, post_type="post",
                status={"1": "approved", "0": "unapproved"}.get(approved, approved),
                content=field("comment_content"), comment_type=field("comment_type") or "comment",
                parent_id=int(field("comment_parent") or 0),
                user_id=int(field("comment_user_id") or 0), author_name=author,
                author_account=LINKED.get(author, ""), date_gmt=field("comment_date_gmt"),
                changed_gmt=field("comment_date_gmt").replace(" ", "T"),
                link=f"{SITE_URL}/?p={post_id}#comment-{field('comment_id')}"))
    return records


def map_all(options: CommentOptions) -> dict[str, Intent | Skip]:
    """The whole export in order, each reply's parent being its parent comment's reply."""
    ctx = golden_context()
    replies: dict[int, Intent] = {}
    out: dict[str, Intent | Skip] = {}
    for comment in theme_unit_comments():
        if comment.parent_id:
            above = replies.get(comment.parent_id)
            parent = ReplyParent(above.author, above.permlink) if above else ReplyParent(
                state="missing", reason=f"its parent comment {comment.parent_id} is not on chain")
        else:
            parent = POST
        outcome = comment_to_intent(comment, ctx, options, parent, None)
        if isinstance(outcome, Intent):
            replies[int(comment.source.object_id)] = outcome
        out[comment.source.object_id] = outcome
    return out


def as_json(outcome: Intent | Skip) -> dict[str, Any]:
    if isinstance(outcome, Skip):
        return {"skip": outcome.reason, "terminal": outcome.terminal}
    op = outcome.operations[0][1]
    return {"key": outcome.key, "kind": outcome.kind.value, "account": outcome.account,
            "parent": f"{op['parent_author']}/{op['parent_permlink']}",
            "permlink": op["permlink"], "body": op["body"],
            "json_metadata": json.loads(op["json_metadata"])}


def test_theme_unit_comments_match_golden(update_golden: bool) -> None:
    outcomes = map_all(CommentOptions(unlinked="app_account", app_account="demo-app"))
    actual = json.dumps({k: as_json(v) for k, v in outcomes.items()}, ensure_ascii=False,
                        indent=2) + "\n"
    if update_golden:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(actual, encoding="utf-8")
    assert GOLDEN.read_text(encoding="utf-8") == actual


def test_theme_unit_comments_become_valid_replies() -> None:
    outcomes = map_all(CommentOptions(unlinked="app_account", app_account="demo-app"))
    intents = {k: v for k, v in outcomes.items() if isinstance(v, Intent)}
    skips = {k: v for k, v in outcomes.items() if isinstance(v, Skip)}
    # 4 pingbacks/trackbacks and 3 held comments stay off the chain, with their reasons
    assert sorted(skips) == sorted(["921", "922", "923", "924", "1015", "1016", "1017"])
    assert "'pingback' is not a reply" in skips["923"].reason
    assert skips["1015"].reason == "the comment is unapproved, not approved"
    assert len(intents) == 26
    for intent in intents.values():
        op = intent.operations[0][1]
        assert intent.kind is IntentKind.REPLY and op["title"] == ""
        assert PERMLINK.match(op["permlink"]) and op["parent_author"]
        assert "<script" not in op["body"] and 'style="' not in op["body"]
        assert json.loads(op["json_metadata"])["wp_comment_id"] == int(intent.source.object_id)
    # the thread ten levels deep hangs together, each reply under the one above
    chain = [904, 905, 906, 907, 910, 911, 912, 913, 914, 915]
    for parent, child in zip(chain, chain[1:], strict=False):
        assert intents[str(child)].operations[0][1]["parent_permlink"] == \
            intents[str(parent)].permlink
    # members with a linked account post as themselves, the others through the app account
    assert intents["903"].account == "themedemos"
    assert intents["900"].account == "jane-doe"
    assert intents["901"].account == "demo-app"
    body = intents["901"].operations[0][1]["body"]
    assert body.startswith("These tests are amazing!")
    assert "— John Γιανης Doe Κάποιος on" in body and ">Demo Blog</a>" in body
    meta = json.loads(intents["901"].operations[0][1]["json_metadata"])
    assert meta["attribution"]["name"] == "John Γιανης Doe Κάποιος"
    # the HTML comment (headings, lists, ...) becomes Markdown
    assert "# Header one" in intents["881"].operations[0][1]["body"]


def test_unlinked_members_are_skipped_with_a_reason_by_default() -> None:
    outcomes = map_all(CommentOptions())
    skip = outcomes["901"]
    assert isinstance(skip, Skip) and skip.terminal
    assert "has no linked Steem account" in skip.reason
    assert isinstance(outcomes["903"], Intent)


def test_permlinks_are_deterministic_short_enough_and_clean() -> None:
    assert reply_permlink("hello-world", "12", "demo") == "re-hello-world-12-demo"
    assert reply_permlink("hello-world", "12", "demo") == reply_permlink("hello-world", "12",
                                                                        "demo")
    # a reply to one of this site's replies: the thread's base, not re-re-re-...
    assert reply_permlink("re-hello-world-12-demo", "13", "demo") == "re-hello-world-13-demo"
    assert reply_permlink("re-hello-world-12-other", "13", "demo") == \
        "re-re-hello-world-12-other-13-demo"
    long_parent = "a" * 255
    permlink = reply_permlink(long_parent, "123456", "my-site")
    assert len(permlink) <= MAX_PERMLINK and permlink.endswith("-123456-my-site")
    assert PERMLINK.match(reply_permlink("Ünïcode_AND spaces", "7", "Site_1"))


def sample(**fields: Any) -> CommentRecord:
    base = CommentRecord(source=SourceRef("wp", "demo", "comment", "5"), post_id=9,
                         post_type="post", status="approved", content="Nice post!\n\nReally.",
                         author_account="bob", author_name="Bob",
                         changed_gmt="2026-11-21T11:00:00", link=f"{SITE_URL}/?p=9#comment-5")
    return replace(base, **fields)


def test_comments_from_the_chain_never_go_back() -> None:
    skip = comment_to_intent(sample(origin="chain"), golden_context(), CommentOptions(), POST,
                             None)
    assert isinstance(skip, Skip) and skip.reason == "came from the chain"


@pytest.mark.parametrize("kind", ["like", "fav"])
def test_likes_and_favourites_are_not_replies(kind: str) -> None:
    skip = comment_to_intent(sample(comment_type=kind), golden_context(), CommentOptions(),
                             POST, None)
    assert isinstance(skip, Skip) and skip.terminal and kind in skip.reason


def test_a_parent_on_its_way_makes_the_reply_wait() -> None:
    waiting = ReplyParent(state="waiting", reason="waiting for parent comment 4")
    skip = comment_to_intent(sample(parent_id=4), golden_context(), CommentOptions(), waiting,
                             None)
    assert isinstance(skip, Skip) and not skip.terminal
    assert skip.retry_at == "2026-11-21T12:00:03" and skip.reason == waiting.reason
    missing = ReplyParent(state="missing", reason="its parent comment 4 is not on chain")
    final = comment_to_intent(sample(parent_id=4), golden_context(), CommentOptions(), missing,
                              None)
    assert isinstance(final, Skip) and final.terminal


def test_an_edit_keeps_author_permlink_and_parent_and_a_new_key() -> None:
    ctx = golden_context()
    create = comment_to_intent(sample(), ctx, CommentOptions(), POST, None)
    assert isinstance(create, Intent)
    link = ChainLink(create.source, create.author, create.permlink, create.category,
                     create.body_hash, state="on_chain")
    # the member linked another account since, and the post meta moved: the edit still goes
    # to the reply as it is on chain
    edited = comment_to_intent(sample(content="Nice post! (edited)", author_account="carol",
                                      changed_gmt="2026-11-21T11:30:00"),
                               ctx, CommentOptions(), ReplyParent("x", "y"), link)
    assert isinstance(edited, Intent) and edited.kind is IntentKind.EDIT_POST
    op = edited.operations[0][1]
    assert (op["author"], op["permlink"]) == (create.author, create.permlink)
    assert (op["parent_author"], op["parent_permlink"]) == (POST.author, POST.permlink)
    assert edited.key != create.key and edited.body_hash != create.body_hash
    same = comment_to_intent(sample(changed_gmt="2026-11-21T11:40:00"), ctx, CommentOptions(),
                             POST, link)
    assert isinstance(same, Intent) and same.body_hash == create.body_hash  # planner: unchanged


def test_a_removed_comment_deletes_its_reply() -> None:
    link = ChainLink(SourceRef("wp", "demo", "comment", "5"), "bob", "re-p-5-demo",
                     "alice/p", state="on_chain")
    delete = comment_to_delete(sample(status="trash"), link)
    assert isinstance(delete, Intent) and delete.kind is IntentKind.DELETE_POST
    assert delete.operations == (("delete_comment", {"author": "bob",
                                                     "permlink": "re-p-5-demo"}),)
    assert isinstance(comment_to_delete(sample(status="spam"), None), Skip)


def test_make_reply_is_generic() -> None:
    """Any object whose text becomes a reply (a bbPress reply, say) uses the same function."""
    source = SourceRef("wp", "demo", "reply", "77")
    reply = make_reply(source, account="bob", parent_author="alice", parent_permlink="topic-1",
                       body_html="<p>Hello <b>there</b></p>", ctx=golden_context(), link=None,
                       version="v1", metadata={"wp_reply_id": 77})
    assert isinstance(reply, Intent)
    op = reply.operations[0][1]
    assert op["permlink"] == "re-topic-1-77-demo" and op["body"] == "Hello **there**"
    assert json.loads(op["json_metadata"])["wp_reply_id"] == 77
    empty = make_reply(source, account="bob", parent_author="alice", parent_permlink="t",
                       body_html="<p> </p>", ctx=golden_context(), link=None, version="v1",
                       metadata={})
    assert isinstance(empty, Skip)
