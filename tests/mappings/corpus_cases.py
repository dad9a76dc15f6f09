"""Theme Unit Test posts used as golden cases, and their capture from the real WordPress.

Each case's input is what the engine reads for one post (the REST post with ``context=edit``
plus the term names, featured image URL and author account it refers to), captured from the
local corpus site into ``tests/golden/mappings/corpus/<case>/input.json``. The golden tests
replay it through ``connectors.wordpress_posts.WordPressPosts.to_record``, so they need no WordPress.

Recapture (after the corpus or WordPress changes): ``python -m tests.mappings.corpus_cases``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

GOLDEN_CORPUS_DIR = Path(__file__).resolve().parents[1] / "golden" / "mappings" / "corpus"
# case name -> (post type, WordPress slug); chosen for what usually breaks.
CASES: dict[str, tuple[str, str]] = {
    "block-gallery": ("posts", "block-gallery"),  # Gutenberg gallery, figcaptions
    "shortcode-gallery": ("posts", "post-format-gallery"),  # [gallery] x10 by parent post
    "shortcode-caption": ("posts", "post-format-image-caption"),  # [caption], featured image
    "long-title": ("posts", "title-should-not-overflow-the-content-area"),
    "no-title": ("posts", "edge-case-no-title"),
    "embeds": ("posts", "blocks-embeds"),  # oEmbed offline -> links, iframes
    "table": ("posts", "table"),
    "code": ("posts", "code"),
    "special-characters": ("posts", "title-with-special-characters"),
    "html-tags": ("posts", "markup-html-tags-and-formatting"),
    "title-markup": ("posts", "markup-title-with-markup"),
    "media-text-video": ("posts", "media-text"),
    "audio": ("posts", "audio"),
    "search-forms": ("posts", "search"),
    "footnotes": ("posts", "footnotes"),
    "oversize-truncated": ("posts", "categories-list"),
    "greek-page": ("pages", "greek"),
}


def load_capture(case: str) -> dict[str, Any]:
    return json.loads((GOLDEN_CORPUS_DIR / case / "input.json").read_text(encoding="utf-8"))


def capture_all() -> list[str]:
    """Reads every case from the corpus site and writes its input.json; returns the paths."""
    from tests.fidelity.corpus import corpus_site, read_site

    api = read_site(corpus_site())
    written = []
    for case, (post_type, slug) in CASES.items():
        matches = [raw for raw in api.posts[post_type] if raw.get("slug") == slug]
        assert len(matches) == 1, f"{case}: {len(matches)} {post_type} with slug {slug!r}"
        path = GOLDEN_CORPUS_DIR / case / "input.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        captured = api.capture(post_type, matches[0])
        path.write_text(json.dumps(captured, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":
    print("\n".join(capture_all()))
    sys.exit(0)
