"""post_to_intent: create vs edit, skips with actionable reasons, determinism, size limit."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bridge.model import Beneficiary, Intent, IntentKind, Skip, content_hash
from mappings.posts import post_to_intent
from mappings.size import MAX_TRANSACTION_BYTES, estimate_transaction_size
from tests.mappings.factories import make_link, make_post
from tests.mappings.seed_records import golden_context

CTX = golden_context()


def as_intent(outcome: Intent | Skip) -> Intent:
    assert isinstance(outcome, Intent), outcome
    return outcome


def test_create_has_comment_then_options_in_one_intent() -> None:
    intent = as_intent(post_to_intent(make_post(), CTX, None))
    assert intent.kind is IntentKind.CREATE_POST
    assert [name for name, _ in intent.operations] == ["comment", "comment_options"]
    comment, options = (payload for _, payload in intent.operations)
    assert set(comment) == {"parent_author", "parent_permlink", "author", "permlink", "title",
                            "body", "json_metadata"}  # fmt: skip
    assert comment["parent_author"] == "" and comment["parent_permlink"] == "news"
    assert comment["author"] == intent.account == intent.author == "alice"
    assert comment["permlink"] == intent.permlink == options["permlink"]
    assert intent.permlink.startswith("hello-world-")
    assert intent.category == "news" and intent.title == "Hello World"


def test_key_and_body_hash() -> None:
    post = make_post()
    intent = as_intent(post_to_intent(post, CTX, None))
    comment = intent.operations[0][1]
    expected_hash = content_hash([comment["title"], comment["body"], comment["json_metadata"]])
    assert intent.body_hash == expected_hash
    assert intent.key == f"create_post:wp:demo:post:42:{post.modified_gmt}:{expected_hash}"


def test_mapping_is_deterministic() -> None:
    post = make_post(content_rendered="<p>x</p>" * 50, tags=("a1", "区块链"))
    assert post_to_intent(post, CTX, None) == post_to_intent(post, CTX, None)


def test_edit_uses_link_and_never_changes_category() -> None:
    post = make_post(tags=("news", "cn"))
    link = make_link(post, category="photography")
    intent = as_intent(post_to_intent(post, CTX, link))
    assert intent.kind is IntentKind.EDIT_POST
    assert [name for name, _ in intent.operations] == ["comment"]
    comment = intent.operations[0][1]
    assert comment["parent_permlink"] == intent.category == "photography"
    assert comment["permlink"] == intent.permlink == link.permlink
    assert json.loads(comment["json_metadata"])["tags"] == ["photography", "news", "cn"]
    assert any("kept from the first publish" in note for note in intent.notes)
    assert intent.key.startswith("edit_post:wp:demo:post:42:")


def test_edit_keeps_chain_author_when_profile_changed() -> None:
    post = make_post(author_account="bob")
    intent = as_intent(post_to_intent(post, CTX, make_link(post, author="alice")))
    assert intent.account == intent.operations[0][1]["author"] == "alice"
    assert any("@alice" in note for note in intent.notes)


def test_invalid_beneficiaries_skip_create_but_not_edit() -> None:
    ctx = replace(CTX, beneficiaries=(Beneficiary("alice", 6000), Beneficiary("bob", 6000)))
    skip = post_to_intent(make_post(), ctx, None)
    assert isinstance(skip, Skip) and "beneficiary weights add up to 12000" in skip.reason
    assert isinstance(post_to_intent(make_post(), ctx, make_link(make_post())), Intent)


def test_beneficiaries_sorted_in_options() -> None:
    ctx = replace(CTX, beneficiaries=(Beneficiary("zed", 100), Beneficiary("amy", 200)))
    options = as_intent(post_to_intent(make_post(), ctx, None)).operations[1][1]
    accounts = [b["account"] for b in options["extensions"][0][1]["beneficiaries"]]
    assert accounts == ["amy", "zed"]


@pytest.mark.parametrize(
    ("changes", "reason", "terminal"),
    [
        ({"status": "draft"}, "post status is 'draft'", False),
        ({"status": "future"}, "post status is 'future'", False),
        ({"password_protected": True}, "password-protected", True),
        ({"author_account": ""}, "WordPress user 7 has no steem_account; set it in their profile",
         False),
        ({"author_account": "Not Valid"}, "not a valid Steem account name", False),
        ({"meta": {"steem_opt_out": True}}, "opted out", True),
        ({"meta": {"steem_opt_out": "1"}}, "opted out", True),
        ({"content_rendered": "<p>&nbsp;</p><!-- wp:x --><script>1</script>"}, "empty", True),
    ],
)  # fmt: skip
def test_skips_have_actionable_reasons(changes: dict, reason: str, terminal: bool) -> None:
    outcome = post_to_intent(make_post(**changes), CTX, None)
    assert isinstance(outcome, Skip)
    assert reason in outcome.reason
    assert outcome.terminal is terminal
    assert outcome.source == make_post().source


def test_opt_out_false_values_do_not_skip() -> None:
    for value in (False, 0, "0", "", "false"):
        assert isinstance(
            post_to_intent(make_post(meta={"steem_opt_out": value}), CTX, None), Intent
        )


def test_oversize_post_is_skipped_with_size_when_configured_to_fail() -> None:
    ctx = replace(CTX, oversize="fail")
    outcome = post_to_intent(make_post(content_rendered="<p>" + "字" * 22000 + "</p>"), ctx, None)
    assert isinstance(outcome, Skip)
    assert outcome.reason.startswith("post too large for one transaction: ")
    assert "> 65280" in outcome.reason


def test_oversize_post_is_cut_at_a_block_boundary_by_default() -> None:
    post = make_post(content_rendered="".join(f"<p>{n} " + "字" * 900 + "</p>\n" for n in range(40)))
    intent = as_intent(post_to_intent(post, CTX, None))
    body = intent.operations[0][1]["body"]
    assert estimate_transaction_size(intent.operations) <= MAX_TRANSACTION_BYTES
    assert body.count("<p>") < 40 + 2 and body.count("字" * 900) >= 20
    assert f'<p><a href="{post.link}">Read the full post</a></p>' in body
    assert "字</p>\n<p><a href" in body  # the cut is after a whole paragraph


def test_single_oversize_block_cannot_be_cut() -> None:
    outcome = post_to_intent(make_post(content_rendered="<p>" + "字" * 22000 + "</p>"), CTX, None)
    assert isinstance(outcome, Skip) and "first block alone does not fit" in outcome.reason


def test_post_just_under_limit_is_kept() -> None:
    assert isinstance(post_to_intent(make_post(content_rendered="<p>" + "a" * 60000 + "</p>"),
                                     CTX, None), Intent)  # fmt: skip


def test_raw_content_is_the_fallback() -> None:
    intent = as_intent(post_to_intent(make_post(content_rendered="", content_raw="<p>raw</p>"),
                                      CTX, None))  # fmt: skip
    assert intent.operations[0][1]["body"].startswith("<p>raw</p>")


def test_json_metadata_is_a_compact_object_string() -> None:
    post = make_post(
        content_rendered='<p><img src="/a.png"><a href="/x">x</a><img src="/a.png"></p>',
        featured_image="/feature.jpg",
        excerpt_rendered="<p>Short   summary [&hellip;]</p>",
    )
    comment = as_intent(post_to_intent(post, CTX, None)).operations[0][1]
    raw = comment["json_metadata"]
    assert ": " not in raw and ", " not in raw
    metadata = json.loads(raw)
    assert metadata == {
        "app": "wp-steem-bridge/0.1.0",
        "format": "html",
        "tags": ["news"],
        "image": ["http://127.0.0.1:8088/feature.jpg", "http://127.0.0.1:8088/a.png"],
        "description": "Short summary",
        "canonical_url": "http://127.0.0.1:8088/?p=42",
        "links": ["http://127.0.0.1:8088/x"],
    }


def test_no_images_means_no_image_key() -> None:
    comment = as_intent(post_to_intent(make_post(), CTX, None)).operations[0][1]
    assert "image" not in json.loads(comment["json_metadata"])


def test_dropped_tags_are_noted_and_blog_fallback() -> None:
    intent = as_intent(post_to_intent(make_post(tags=("2020",), categories=()), CTX, None))
    assert intent.category == "blog"
    assert any("'2020' dropped" in note for note in intent.notes)


def test_categories_then_tags_then_defaults() -> None:
    ctx = replace(CTX, default_tags=("cn",), max_tags=4, tags_from="both", append_default_tags=True)
    post = make_post(tags=("news",), categories=("Uncategorized", "Travel", "Food"))
    intent = as_intent(post_to_intent(post, ctx, None))
    assert intent.category == "travel"
    assert json.loads(intent.operations[0][1]["json_metadata"])["tags"] == ["travel", "food",
                                                                            "news", "cn"]  # fmt: skip


def test_edit_of_patch_looking_body_is_guarded() -> None:
    post = make_post(content_rendered="@@ -1,3 +1,3 @@\n-abc\n+abd")
    ctx = replace(CTX, footer_template="")
    body = as_intent(post_to_intent(post, ctx, make_link(post))).operations[0][1]["body"]
    from diff_match_patch import diff_match_patch

    with pytest.raises(ValueError):
        diff_match_patch().patch_fromText(body)


def test_never_raises_on_garbage() -> None:
    post = make_post(title_raw=None, tags=(None, 5), content_rendered=None, slug=None,  # type: ignore[arg-type]
                     featured_image=None, link=None, meta=None)  # fmt: skip
    outcome = post_to_intent(post, CTX, None)
    assert isinstance(outcome, Skip | Intent)
    outcome = post_to_intent(None, CTX, None)  # type: ignore[arg-type]
    assert isinstance(outcome, Skip) and "internal mapping error" in outcome.reason


def test_password_protected_post_goes_out_only_as_a_notice_when_asked() -> None:
    from dataclasses import replace as _replace

    from tests.mappings.factories import make_post
    from tests.mappings.seed_records import golden_context

    post = make_post(content_rendered="<p>the secret recipe</p>", excerpt_rendered="secret bits",
                     password_protected=True)
    ctx = golden_context()
    assert isinstance(post_to_intent(post, ctx, None), Skip)
    intent = post_to_intent(post, _replace(ctx, include_password_protected=True), None)
    assert isinstance(intent, Intent)
    comment = intent.operations[0][1]
    assert "secret" not in comment["body"] + comment["json_metadata"]
    assert "password-protected" in comment["body"] and post.link in comment["body"]
