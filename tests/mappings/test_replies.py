"""Chain replies -> comment payloads, and votes -> points awards (pure mappings)."""

from __future__ import annotations

from typing import Any

from mappings.points import award_key, new_awards
from mappings.replies import (
    MAX_BODY_BYTES,
    TRUNCATED_MARK,
    clean_body,
    reply_url,
    thread_comments,
    to_write,
)


def reply(author: str, permlink: str, parent: tuple[str, str], body: str = "hi",
          depth: int = 1, created: str = "2024-01-01T00:00:00") -> dict[str, Any]:
    return {"author": author, "permlink": permlink, "parent_author": parent[0],
            "parent_permlink": parent[1], "body": body, "depth": depth, "created": created}


def test_a_body_is_rendered_and_stripped_to_safe_html() -> None:
    cleaned = clean_body("**bold** <script>alert(1)</script><img src=x onerror=alert(1)> "
                         "[a](javascript:alert(1)) <style>p{}</style><iframe src=//x></iframe>")
    assert "<strong>bold</strong>" in cleaned
    for bad in ("<script", "alert(1)", "onerror", "javascript:", "<style", "<iframe"):
        assert bad not in cleaned


def test_links_are_marked_nofollow_and_point_at_the_frontend() -> None:
    assert 'rel="nofollow ugc noopener"' in clean_body("[x](https://example.com)")
    assert reply_url("https://steemit.com/", "bob", "re-x") == "https://steemit.com/@bob/re-x"
    assert reply_url("", "bob", "re-x") == "https://steemit.com/@bob/re-x"


def test_a_thread_is_ordered_parents_first_and_never_carries_an_email() -> None:
    replies = [reply("c", "re-c", ("b", "re-b"), depth=2, created="2024-01-01T00:00:01"),
               reply("b", "re-b", ("a", "post"), created="2024-01-01T00:00:09"),
               reply("d", "re-d", ("a", "post"), created="2024-01-01T00:00:02")]
    comments = thread_comments(replies, 7, "https://example.org")
    assert [c.key for c in comments] == ["d/re-d", "b/re-b", "c/re-c"]
    payload = comments[2].as_payload()
    assert payload["post_id"] == 7 and (payload["parent_author"], payload["parent_permlink"]) \
        == ("b", "re-b")
    assert "email" not in " ".join(payload) and payload["author_url"] == \
        "https://example.org/@c/re-c"


def test_only_new_or_edited_replies_are_written_again() -> None:
    first = thread_comments([reply("b", "re-b", ("a", "p"))], 1, "")
    written = {c.key: c.version for c in first}
    assert to_write(first, written) == []
    edited = thread_comments([reply("b", "re-b", ("a", "p"), body="changed")], 1, "")
    assert [c.key for c in to_write(edited, written)] == ["b/re-b"]


def test_each_upvote_earns_one_award_and_downvotes_none() -> None:
    content = {"author": "a", "permlink": "p", "active_votes": [
        {"voter": "x", "percent": 10000}, {"voter": "y", "percent": -5000},
        {"voter": "z", "percent": 0}, {"voter": "w", "percent": "2500"}]}
    awards = new_awards(content, 3, set(), 5, "mycred")
    assert [a.key for a in awards] == ["w/a/p", "x/a/p"]
    assert awards[0].as_payload() == {"post_id": 3, "voter": "w", "author": "a",
                                      "permlink": "p", "points": 5, "plugin": "mycred",
                                      "points_type": ""}
    assert new_awards(content, 3, {award_key("x", "a", "p"), "w/a/p"}, 5, "mycred") == []
    assert new_awards(content, 3, set(), 0, "mycred") == []


# hostile chain data at protocol maximums must fit WordPress's comment columns


def test_a_255_character_permlink_still_gives_a_url_wordpress_can_store() -> None:
    permlink = "re-" + "x" * 252
    short = reply_url("https://steemit.com", "voter-one", "re-short")
    long = reply_url("https://steemit.com", "abcdefghijklmnop", permlink)

    assert short == "https://steemit.com/@voter-one/re-short"
    assert long == "https://steemit.com/@abcdefghijklmnop"  # the author's page: <= 200 chars
    assert reply_url("https://" + "h" * 200 + ".example", "a", permlink) == ""


def test_a_64_kb_body_is_cut_to_what_a_comment_column_holds_with_tags_closed() -> None:
    ascii_body = ("word **bold** [link](https://example.com/x) " * 2000)[:65000]
    wide_body = "长" * 21000 + "\n\n<b>" + "宽" * 1000  # 3 bytes a character, an open tag

    for body in (ascii_body, wide_body):
        cleaned = clean_body(body)
        assert len(cleaned.encode("utf-8")) <= MAX_BODY_BYTES
        assert TRUNCATED_MARK in cleaned[-20:]  # marked as cut, before the closing tags
        assert cleaned.count("<strong>") == cleaned.count("</strong>")
        assert cleaned.count("<a ") == cleaned.count("</a>")
    assert clean_body("short") == "<p>short</p>"
