"""Property test: any title/HTML/tags/slug maps to a chain-valid Intent or a Skip, never an error."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridge.model import Intent, Skip
from mappings.posts import post_to_intent
from tests.mappings.factories import make_link, make_post
from tests.mappings.seed_records import golden_context

PERMLINK = re.compile(r"^[a-z0-9-]{1,255}$")
CTX = golden_context()

html_pieces = st.sampled_from(
    ["<p>", "</p>", "<section>", "<span style='x'>", "</span>", "<!-- wp:x -->", "<script>",
     "</script>", "<img src='/a.png?x=1'>", "<a href='javascript:x'>", "</a>", "<pre>", "</pre>",
     "\n    ", "&nbsp;", "@@ -1,3 +1,3 @@\n", "-abc\n", "+abd\n", "<center>", "中文", "😀", "\t"]
)  # fmt: skip
html_text = st.lists(st.one_of(html_pieces, st.text(max_size=20)), max_size=25).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=st.text(max_size=300),
    html=html_text,
    tags=st.lists(st.text(max_size=30), max_size=8),
    slug=st.text(max_size=60),
    object_id=st.text(min_size=1, max_size=8),
    edit=st.booleans(),
)
def test_any_post_maps_to_valid_intent_or_skip(
    title: str, html: str, tags: list[str], slug: str, object_id: str, edit: bool
) -> None:
    post = make_post(object_id=object_id, title_raw=title, content_rendered=html,
                     tags=tuple(tags), slug=slug)  # fmt: skip
    outcome = post_to_intent(post, CTX, make_link(post) if edit else None)
    if isinstance(outcome, Skip):
        assert "internal mapping error" not in outcome.reason
        return
    assert isinstance(outcome, Intent)
    comment = outcome.operations[0][1]
    assert len(comment["title"].encode("utf-8")) < 256
    assert PERMLINK.match(comment["permlink"])
    assert PERMLINK.match(comment["parent_permlink"])
    assert isinstance(json.loads(comment["json_metadata"]), dict)
    assert comment["body"].strip()
    assert "<!--" not in comment["body"]
    if "<pre" not in comment["body"]:
        assert not any(line.startswith("    ") for line in comment["body"].split("\n"))
    for tag in json.loads(comment["json_metadata"])["tags"]:
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)?", tag) and len(tag) <= 24
    for text in (comment["title"], comment["body"], comment["json_metadata"]):
        text.encode("utf-8")  # valid UTF-8: raises on lone surrogates
    passes_the_devnet_validation(outcome)


def passes_the_devnet_validation(intent: Intent) -> None:
    """The node's own checks, as the devnet implements them: every operation's validate() and
    the comment evaluator's permlink rule (steem_evaluator.cpp validate_permlink_0_1)."""
    from devnet.evaluators import _validate_permlink_0_1
    from devnet.serializer import parse_transaction
    from devnet.validate import validate_transaction

    trx = {"ref_block_num": 1, "ref_block_prefix": 1, "expiration": "2026-01-01T00:00:30",
           "operations": [[name, payload] for name, payload in intent.operations],
           "extensions": [], "signatures": []}
    validate_transaction(parse_transaction(trx))
    comment = intent.operations[0][1]
    _validate_permlink_0_1(comment["permlink"])
    _validate_permlink_0_1(comment["parent_permlink"])
