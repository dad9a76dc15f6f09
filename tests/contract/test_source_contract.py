"""The ``Source`` and ``SiteWriter`` contract, run against both WordPress connectors (REST and
XML-RPC, each wrapped in ``connectors.wordpress_posts.WordPressPosts``) on the real local
WordPress site "contract" (its port chosen by wp-local).

Fields that legitimately differ between the two, normalised before comparing records:
  * ``meta``: over REST it holds every meta key registered for posts (the mirrored rewards, core's
    ``footnotes``...); over XML-RPC only the companion plugin's ``steem_*`` post keys. Compared on
    those keys (``POST_META_KEYS``).
Everything else, rendered HTML included, must be equal as it comes.

Windows are set to no overlap so that "a poll from the cursor yields nothing new" is exact; the
overlap itself (posts seen again) is the engine's business and harmless by idempotent keys.

The first part runs the REST poll (``use_feed=False``: the fallback for sites without the
plugin's change feed); the change feed has its own part below (one request when nothing changed,
a change seen once, unpublishing and permanent deletes as records and tombstones).
"""

from __future__ import annotations

import html
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from bridge.failures import Code, TerminalError
from bridge.model import PostRecord, SourceRef, Unreadable, tombstone
from bridge.ports import MetaWrite
from connectors.wordpress_posts import WordPressPosts
from connectors.wordpress_rest import WordPressRest
from connectors.wordpress_xmlrpc import WordPressXmlrpc
from tests.support.wordpress import (
    delete_all_posts,
    ensure_wordpress,
    run_wp_local,
    wordpress_request,
)
from tests.support.wp_php import wp_php

pytestmark = pytest.mark.integration

SITE = "contract"
APIS = ("rest", "xmlrpc")
POST_META_KEYS = ("steem_author", "steem_permlink", "steem_tx_id", "steem_block", "steem_status",
                  "steem_error", "steem_opt_out", "steem_tags", "steem_beneficiaries",
                  "steem_payout")
RICH_CONTENT = ("<!-- wp:paragraph -->\n<p>Hello <em>world</em> &amp; \"friends\" -- it's here"
                "</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:list -->\n<ul><li>one</li><li>two</li>"
                "</ul>\n<!-- /wp:list -->")
CLASSIC_CONTENT = "First line\nsecond line\n\nNew paragraph with [gallery] and a <b>tag</b>."


@pytest.fixture(scope="module")
def site() -> dict[str, Any]:
    # stop first: starting again links the shared plugin directory to this checkout's plugin
    run_wp_local("stop", SITE)
    return ensure_wordpress(SITE)


@pytest.fixture
def empty(site: dict[str, Any]) -> Iterator[dict[str, Any]]:
    delete_all_posts(site)
    yield site
    delete_all_posts(site)


def connector(site: dict[str, Any], api: str,
              session: requests.Session | None = None) -> WordPressRest | WordPressXmlrpc:
    kind = WordPressXmlrpc if api == "xmlrpc" else WordPressRest
    return kind(site["url"], site["admin_user"], site["app_password"], timeout=30,
                session=session)


def source(site: dict[str, Any], api: str) -> WordPressPosts:
    return WordPressPosts(connector(site, api), SITE, overlap_seconds=0,
                          published_overlap_seconds=0, use_feed=False)


def poll(posts: WordPressPosts, cursor: dict[str, str]
         ) -> tuple[list[PostRecord | Unreadable], dict[str, str]]:
    records, moved = [], dict(cursor)
    for record, position in posts.changed_since(cursor):
        records.append(record)
        moved.update({k: v for k, v in position.items() if v > moved.get(k, "")})
    return records, moved


def ids(records: list[PostRecord | Unreadable]) -> list[int]:
    return [int(r.source.object_id) for r in records]


def create_post(site: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"title": "Contract post", "content": "<p>body</p>", "status": "publish",
            "author": site["users"]["iguazi123"]["id"], **fields}
    created = wordpress_request(site, "POST", "/wp/v2/posts", json=body)
    assert created.status_code == 201, created.text
    return rest_post(site, int(created.json()["id"]))


def rest_post(site: dict[str, Any], post_id: int) -> dict[str, Any]:
    found = wordpress_request(site, "GET", f"/wp/v2/posts/{post_id}", params={"context": "edit"})
    assert found.status_code == 200, found.text
    return found.json()


def term(site: dict[str, Any], taxonomy: str, name: str) -> int:
    made = wordpress_request(site, "POST", f"/wp/v2/{taxonomy}", json={"name": name})
    if made.status_code == 400 and made.json().get("code") == "term_exists":
        return int(made.json()["data"]["term_id"])
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + \
        chunk(b"IEND", b"")


def upload_image(site: dict[str, Any]) -> dict[str, Any]:
    made = wordpress_request(site, "POST", "/wp/v2/media", data=tiny_png(), headers={
        "Content-Type": "image/png", "Content-Disposition": "attachment; filename=contract.png"})
    assert made.status_code == 201, made.text
    return made.json()


def rich_post(site: dict[str, Any]) -> dict[str, Any]:
    image = upload_image(site)
    return create_post(
        site, title="Tom &amp; Jerry's \"quoted\" title", content=RICH_CONTENT,
        excerpt="A <em>hand-written</em> excerpt",
        tags=[term(site, "tags", "contract-b"), term(site, "tags", "contract-a")],
        categories=[term(site, "categories", "Contract News")], featured_media=image["id"],
        meta={"steem_tags": "life,photo", "steem_payout": "decline",
              "steem_beneficiaries": "alice:500"}) | {"_image": image}


def later() -> None:
    """WordPress times have whole seconds: the next change must fall in a later one."""
    time.sleep(1.1)


# -- Source ---------------------------------------------------------------------------------

@pytest.mark.parametrize("api", APIS)
def test_a_new_post_appears_once_with_every_field(empty: dict[str, Any], api: str) -> None:
    raw = rich_post(empty)
    records, _ = poll(source(empty, api), {})
    assert ids(records) == [raw["id"]]
    record = records[0]
    assert isinstance(record, PostRecord)
    account = empty["users"]["iguazi123"]["steem_account"]
    assert account
    assert (record.source.system, record.source.site, record.source.object_type) == \
        ("wp", SITE, "post")
    assert (record.post_type, record.status, record.slug, record.link) == \
        ("post", "publish", raw["slug"], raw["link"])
    assert record.title_raw == "Tom &amp; Jerry's \"quoted\" title"
    assert record.title_rendered == html.unescape(raw["title"]["rendered"])
    assert record.content_raw == RICH_CONTENT
    assert record.content_rendered == raw["content"]["rendered"]
    assert "<em>world</em>" in record.content_rendered and "wp:paragraph" not in \
        record.content_rendered
    assert record.excerpt_raw == "A <em>hand-written</em> excerpt"
    assert record.excerpt_rendered == raw["excerpt"]["rendered"]
    assert "hand-written" in record.excerpt_rendered
    assert sorted(record.tags) == ["contract-a", "contract-b"]
    assert record.categories == ("Contract News",)
    assert record.featured_image == raw["_image"]["source_url"]
    assert (record.author_id, record.author_account) == (raw["author"], account)
    assert (record.date_gmt, record.modified_gmt) == (raw["date_gmt"], raw["modified_gmt"])
    assert record.password_protected is False
    assert {k: record.meta[k] for k in ("steem_tags", "steem_payout", "steem_beneficiaries",
                                        "steem_opt_out")} == {
        "steem_tags": "life,photo", "steem_payout": "decline",
        "steem_beneficiaries": "alice:500", "steem_opt_out": False}


@pytest.mark.parametrize("api", APIS)
def test_the_cursor_moves_and_a_poll_from_it_yields_nothing_new(empty: dict[str, Any],
                                                                api: str) -> None:
    first = create_post(empty, title="one")
    later()
    second = create_post(empty, title="two", password="secret")
    posts = source(empty, api)
    records, cursor = poll(posts, {})
    assert ids(records) == [first["id"], second["id"]]  # oldest change first
    assert [r.password_protected for r in records] == [False, True]
    assert cursor == {"modified": second["modified"], "date": second["date"]}
    assert poll(posts, cursor)[0] == []


@pytest.mark.parametrize("api", APIS)
def test_an_edit_yields_the_post_again_and_trash_is_seen(empty: dict[str, Any],
                                                         api: str) -> None:
    post = create_post(empty, title="before")
    posts = source(empty, api)
    _, cursor = poll(posts, {})
    later()
    wordpress_request(empty, "POST", f"/wp/v2/posts/{post['id']}", json={"title": "after"})
    edited, cursor = poll(posts, cursor)
    assert ids(edited) == [post["id"]] and edited[0].title_raw == "after"
    later()
    assert wordpress_request(empty, "DELETE", f"/wp/v2/posts/{post['id']}").status_code == 200
    trashed, cursor = poll(posts, cursor)
    assert ids(trashed) == [post["id"]] and trashed[0].status == "trash"
    assert poll(posts, cursor)[0] == []


@pytest.mark.parametrize("api", APIS)
def test_a_scheduled_post_is_not_yielded_before_it_publishes(empty: dict[str, Any],
                                                             api: str) -> None:
    when = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    scheduled = create_post(empty, title="scheduled", status="future", date_gmt=when)
    assert scheduled["status"] == "future"
    later()
    published_now = create_post(empty, title="now")
    posts = source(empty, api)
    records, cursor = poll(posts, {})
    assert ids(records) == [published_now["id"]]
    assert poll(posts, cursor)[0] == []
    # what WP-cron does when the time comes: publish without touching the modified date
    wp_php(SITE, f"wp_publish_post({int(scheduled['id'])});")
    records, cursor = poll(posts, cursor)
    assert ids(records) == [scheduled["id"]] and records[0].status == "publish"
    assert records[0].date_gmt == when


@pytest.mark.parametrize("api", APIS)
def test_fetch_returns_the_current_state_of_given_posts(empty: dict[str, Any], api: str) -> None:
    kept, trashed = create_post(empty, title="kept"), create_post(empty, title="gone")
    draft = create_post(empty, title="draft", status="draft")
    wordpress_request(empty, "DELETE", f"/wp/v2/posts/{trashed['id']}")
    posts = source(empty, api)
    fetched = posts.fetch([kept["id"], trashed["id"], draft["id"], 987654])
    assert sorted((int(r.source.object_id), r.status) for r in fetched) == \
        sorted([(kept["id"], "publish"), (trashed["id"], "trash")])
    assert posts.fetch([]) == []


@pytest.mark.parametrize("api", APIS)
def test_an_unreadable_post_comes_as_unreadable_and_the_rest_still_come(
        empty: dict[str, Any], api: str) -> None:
    orphan = create_post(empty, title="orphan")
    fine = create_post(empty, title="fine")
    wp_php(SITE, f"""
        global $wpdb;
        $wpdb->update($wpdb->posts, array('post_author' => 987654), array('ID' => {orphan['id']}));
        clean_post_cache({orphan['id']});
    """)
    records, _ = poll(source(empty, api), {})
    by_id = dict(zip(ids(records), records, strict=True))
    assert set(by_id) == {orphan["id"], fine["id"]}
    assert isinstance(by_id[orphan["id"]], Unreadable)
    assert by_id[orphan["id"]].reason
    assert isinstance(by_id[fine["id"]], PostRecord)


def normalised(record: PostRecord | Unreadable) -> PostRecord | Unreadable:
    if isinstance(record, Unreadable):
        return record
    return replace(record, meta={k: record.meta.get(k) for k in POST_META_KEYS})


def test_both_connectors_yield_equal_records(empty: dict[str, Any]) -> None:
    rich_post(empty)
    create_post(empty, title="classic", content=CLASSIC_CONTENT, password="pw",
                meta={"steem_opt_out": True})
    create_post(empty, title="plain <b>bold</b> title", excerpt="")
    over_rest, rest_cursor = poll(source(empty, "rest"), {})
    over_xmlrpc, xmlrpc_cursor = poll(source(empty, "xmlrpc"), {})
    assert len(over_rest) == 3 and rest_cursor == xmlrpc_cursor
    assert [normalised(r) for r in over_xmlrpc] == [normalised(r) for r in over_rest]
    ids_ = ids(over_rest)
    assert [normalised(r) for r in source(empty, "xmlrpc").fetch(ids_)] == \
        [normalised(r) for r in source(empty, "rest").fetch(ids_)]


# -- the change feed ------------------------------------------------------------------------

class CountingSession(requests.Session):
    """Counts the HTTP requests the connector makes."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []
        self.hooks["response"].append(lambda r, *a, **k: self.sent.append(r.request.url or ""))


def feed_source(site: dict[str, Any], api: str) -> tuple[WordPressPosts, CountingSession]:
    session = CountingSession()
    return WordPressPosts(connector(site, api, session), SITE, overlap_seconds=0,
                          published_overlap_seconds=0), session


def feed_end(site: dict[str, Any]) -> dict[str, str]:
    """A cursor at the feed's current end: a bridge that has seen everything so far."""
    last = connector(site, "rest").changes(0, limit=0)["last"]
    return {"seq": str(last).zfill(20)}


@pytest.mark.parametrize("api", APIS)
def test_feed_nothing_changed_is_exactly_one_request(empty: dict[str, Any], api: str) -> None:
    for n in range(3):
        create_post(empty, title=f"recent {n}")
    posts, session = feed_source(empty, api)
    cursor = feed_end(empty)
    assert poll(posts, cursor)[0] == []  # the XML-RPC client connects once, here
    session.sent.clear()
    assert poll(posts, cursor) == ([], cursor)
    assert len(session.sent) == 1, session.sent


@pytest.mark.parametrize("api", APIS)
def test_feed_a_change_is_seen_once_and_moves_the_cursor(empty: dict[str, Any],
                                                         api: str) -> None:
    post = create_post(empty, title="before")
    posts, _ = feed_source(empty, api)
    cursor = feed_end(empty)
    wordpress_request(empty, "POST", f"/wp/v2/posts/{post['id']}", json={"title": "after"})
    records, moved = poll(posts, cursor)
    assert ids(records) == [post["id"]] and records[0].title_raw == "after"
    assert moved["seq"] > cursor["seq"] and len(moved["seq"]) == 20
    assert moved["modified"] == rest_post(empty, post["id"])["modified"]
    assert poll(posts, moved)[0] == []


@pytest.mark.parametrize("api", APIS)
def test_feed_unpublish_trash_and_permanent_delete(empty: dict[str, Any], api: str) -> None:
    drafted, trashed, deleted = (create_post(empty, title=t) for t in ("drafted", "trashed",
                                                                         "deleted"))
    posts, _ = feed_source(empty, api)
    cursor = feed_end(empty)
    wordpress_request(empty, "POST", f"/wp/v2/posts/{drafted['id']}", json={"status": "draft"})
    wordpress_request(empty, "DELETE", f"/wp/v2/posts/{trashed['id']}")
    wordpress_request(empty, "DELETE", f"/wp/v2/posts/{deleted['id']}", params={"force": "true"})
    records, cursor = poll(posts, cursor)
    assert [(int(r.source.object_id), r.status) for r in records] == [
        (drafted["id"], "draft"), (trashed["id"], "trash"), (deleted["id"], "deleted")]
    gone = records[2]
    assert isinstance(gone, PostRecord)
    assert gone == tombstone(SourceRef("wp", SITE, "post", str(deleted["id"])),
                             gone.modified_gmt, "deleted")
    assert gone.modified_gmt[:4].isdigit()
    assert poll(posts, cursor)[0] == []


@pytest.mark.parametrize("api", APIS)
def test_feed_a_new_cursor_polls_once_then_reads_the_feed(empty: dict[str, Any],
                                                          api: str) -> None:
    existing = create_post(empty, title="existing")
    posts, _ = feed_source(empty, api)
    records, cursor = poll(posts, {})
    assert ids(records) == [existing["id"]]
    assert cursor["seq"] == feed_end(empty)["seq"]
    assert poll(posts, cursor)[0] == []


def test_feed_is_for_the_bridge_only(empty: dict[str, Any]) -> None:
    for auth in ({"auth": None}, {"as_user": "iguazi123"}):
        refused = wordpress_request(empty, "GET", "/wp-steem-bridge/v1/changes", **auth)
        assert refused.status_code in (401, 403), refused.text


def test_without_the_feed_the_source_polls(empty: dict[str, Any]) -> None:
    post = create_post(empty, title="polled")

    class NoFeed(WordPressRest):
        def changes(self, after: int, *, post_type: str = "post",
                    limit: int = 100) -> dict[str, Any]:
            raise TerminalError("reading the change feed: HTTP 404", code=Code.PLUGIN_MISSING)

    posts = WordPressPosts(NoFeed(empty["url"], empty["admin_user"], empty["app_password"]),
                           SITE, overlap_seconds=0, published_overlap_seconds=0)
    records, cursor = poll(posts, {})
    assert ids(records) == [post["id"]] and "seq" not in cursor


# -- SiteWriter -----------------------------------------------------------------------------

CHAIN_VALUES = {"steem_author": "iguazi123", "steem_permlink": "contract-post",
                "steem_tx_id": "0123456789abcdef0123456789abcdef01234567", "steem_block": 4242,
                "steem_status": "confirmed", "steem_error": ""}


@pytest.mark.parametrize("api", APIS)
def test_write_meta_stores_chain_and_mirrored_meta_without_touching_the_post(
        empty: dict[str, Any], api: str) -> None:
    post = create_post(empty, title="written")
    user_id = empty["users"]["iguazi123"]["id"]
    later()
    outcomes = connector(empty, api).write_meta([
        MetaWrite("chain", post["id"], CHAIN_VALUES),
        MetaWrite("chain", 987654, {"steem_status": "confirmed"}),
        MetaWrite("chain", post["id"], {"steem_block": "not a number"}),
        MetaWrite("post", post["id"], {"steem_vote_count": 3}),
        MetaWrite("user", user_id, {"steem_mirror_block": 77}),
    ])
    assert outcomes[0] is None and outcomes[3] is None and outcomes[4] is None
    gone, refused = outcomes[1], outcomes[2]
    assert isinstance(gone, TerminalError) and gone.code == Code.GONE  # no such post
    assert isinstance(refused, TerminalError) and refused.code == Code.ITEM_REFUSED
    chain = wordpress_request(empty, "GET", f"/wp-steem-bridge/v1/posts/{post['id']}/chain")
    assert {k: chain.json()["meta"][k] for k in CHAIN_VALUES} == CHAIN_VALUES
    after = rest_post(empty, post["id"])
    assert after["modified_gmt"] == post["modified_gmt"]  # not an edit for the next poll
    assert after["meta"]["steem_vote_count"] == 3
    member = wordpress_request(empty, "GET", f"/wp/v2/users/{user_id}",
                               params={"context": "edit"}).json()
    assert member["meta"]["steem_mirror_block"] == 77
