"""Builders for PostRecords and ChainLinks in the mapping unit tests."""

from __future__ import annotations

from typing import Any

from bridge.model import ChainLink, PostRecord, SourceRef


def make_post(object_id: str = "42", **changes: Any) -> PostRecord:
    """A small published post by a linked author; override any field by keyword."""
    fields: dict[str, Any] = {
        "source": SourceRef("wp", "demo", "post", object_id),
        "post_type": "post",
        "status": "publish",
        "slug": "hello-world",
        "link": f"http://127.0.0.1:8088/?p={object_id}",
        "title_raw": "Hello World",
        "title_rendered": "Hello World",
        "content_raw": "",
        "content_rendered": "<p>Some text.</p>",
        "excerpt_raw": "",
        "excerpt_rendered": "",
        "date_gmt": "2026-11-20T10:00:00",
        "modified_gmt": "2026-11-20T10:00:00",
        "author_id": 7,
        "author_account": "alice",
        "tags": ("news",),
    }
    fields.update(changes)
    return PostRecord(**fields)


def make_link(post: PostRecord, **changes: Any) -> ChainLink:
    fields: dict[str, Any] = {
        "source": post.source,
        "author": "alice",
        "permlink": "hello-world-abc12345",
        "category": "photography",
    }
    fields.update(changes)
    return ChainLink(**fields)
