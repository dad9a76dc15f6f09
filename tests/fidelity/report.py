"""The fidelity table: every published corpus post mapped, rendered by a Steem frontend, compared.

For each published post and page of the corpus site and each body format (html, markdown):
``post_to_intent`` maps the ``PostRecord``; the comment body is rendered by ``@ecency/render-helper``
(one node process for all bodies, ``render_body.cjs``); the result is compared with WordPress's own
``content.rendered`` by the rules in ``tests.fidelity.measure``. Posts the mapping skips by design
(password-protected, nothing left to publish) are listed with their reason and must be exactly the
``EXPECTED_SKIPS``.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

from bridge.model import Intent, MappingContext, PostRecord
from mappings.body import render_footer
from mappings.posts import READ_MORE, post_to_intent
from tests.fidelity.corpus import corpus_context, corpus_site, published_records, read_site
from tests.fidelity.measure import (
    Page,
    compare_text,
    countable_text,
    forbidden_markup,
    missing,
    read_page,
)
from tests.support.wordpress import REPO_ROOT

MIN_TEXT_KEPT = 0.98
FORMATS = ("html", "markdown")
RENDERER = REPO_ROOT / "tests" / "fidelity" / "render_body.cjs"
NODE_MODULES = REPO_ROOT / "js" / "node_modules"
RENDER_TIMEOUT_SECONDS = 120
# Skipped by design, by reason fragment: the mapping refuses them and says why.
EXPECTED_SKIP_REASONS = ("password-protected", "post body is empty")


@dataclass
class FidelityRow:
    post: str  # "post/123 slug"
    title: str
    body_format: str
    skipped: str = ""  # the Skip reason, "" when mapped
    text_chars: int = 0
    text_kept: float = 1.0
    text_added: int = 0
    images: int = 0
    images_missing: list[str] = field(default_factory=list)
    links: int = 0
    links_missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    body_bytes: int = 0
    truncated: bool = False  # cut to fit one transaction; measured over the part shown

    @property
    def passed(self) -> bool:
        if self.skipped:
            return any(reason in self.skipped for reason in EXPECTED_SKIP_REASONS)
        return (self.text_kept >= MIN_TEXT_KEPT and not self.images_missing
                and not self.links_missing and not self.problems)  # fmt: skip


def _shown_prefix(source: Page, shown_text: str) -> Page:
    """The part of a truncated post the body still shows: as many countable characters as the
    frontend text holds (minus the read-more link), and the images and links up to there."""
    budget = len(countable_text(shown_text.replace(READ_MORE, "")))
    kept, count = [], 0
    for word in source.text.split(" "):
        count += len(countable_text(word))
        if count > budget:
            break
        kept.append(word)
    prefix = " ".join(kept)
    return Page(text=prefix, images=[], links=[])


def render_bodies(bodies: dict[str, str]) -> dict[str, str]:
    """id -> frontend HTML, rendered by one node process."""
    if not bodies:
        return {}
    lines = "".join(json.dumps({"id": key, "body": body}) + "\n" for key, body in bodies.items())
    env = dict(os.environ, NODE_PATH=str(NODE_MODULES))
    completed = subprocess.run(["node", str(RENDERER)], input=lines, capture_output=True,
                               text=True, env=env, timeout=RENDER_TIMEOUT_SECONDS, check=False)  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"render_body.cjs failed: {completed.stderr[-2000:]}")
    rendered: dict[str, str] = {}
    for line in completed.stdout.splitlines():
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"render-helper failed on {answer['id']}: {answer['error']}")
        rendered[answer["id"]] = answer["html"]
    return rendered


def _row_key(post: PostRecord, body_format: str) -> str:
    return f"{body_format}:{post.source.object_type}/{post.source.object_id}"


def _compare(row: FidelityRow, post: PostRecord, ctx: MappingContext, rendered: str) -> None:
    base = post.link or ctx.site_url
    source = read_page(post.content_rendered, base, frontend=False)
    ours = read_page(rendered, base, frontend=True)
    footer = read_page(render_footer(ctx.footer_template, post.link, row.title, ctx.site_name),
                       base, frontend=False)  # fmt: skip
    if row.truncated:  # only what the body still shows; its images and links are not checked
        source = _shown_prefix(source, ours.text.replace(footer.text, ""))
    text = compare_text(source.text, ours.text, ignore_added=footer.text)
    row.text_chars, row.text_kept, row.text_added = text.source_chars, text.kept_ratio, text.added_chars
    row.images, row.images_missing = len(set(source.images)), missing(source.images, ours.images)
    row.links, row.links_missing = len(set(source.links)), missing(source.links, ours.links)
    row.problems += forbidden_markup(rendered, ours.text)


def fidelity_report(formats: tuple[str, ...] = FORMATS) -> list[FidelityRow]:
    """One row per published corpus post and body format (loads the corpus site if needed)."""
    site = corpus_site()
    records = [record for record, _raw in published_records(read_site(site))]
    rows: dict[str, tuple[FidelityRow, PostRecord, MappingContext]] = {}
    bodies: dict[str, str] = {}
    for body_format in formats:
        ctx = corpus_context(site, body_format)
        for post in records:
            key = _row_key(post, body_format)
            outcome = post_to_intent(post, ctx, None)
            row = FidelityRow(post=f"{post.source.object_type}/{post.source.object_id} {post.slug}",
                              title=post.title_rendered, body_format=body_format)  # fmt: skip
            if isinstance(outcome, Intent):
                row.title = outcome.title
                bodies[key] = outcome.operations[0][1]["body"]
                row.body_bytes = len(bodies[key].encode("utf-8"))
                row.truncated = any("body cut at a block boundary" in n for n in outcome.notes)
                if row.truncated and not (READ_MORE in bodies[key] and post.link in bodies[key]):
                    row.problems.append("truncated without a read-more link")
            else:
                row.skipped = outcome.reason
            rows[key] = (row, post, ctx)
    rendered = render_bodies(bodies)
    for key, (row, post, ctx) in rows.items():
        if key in rendered:
            _compare(row, post, ctx, rendered[key])
    return [row for row, _post, _ctx in rows.values()]


def format_table(rows: list[FidelityRow]) -> str:
    """A fixed-width table, worst rows first, then a summary line."""
    ordered = sorted(rows, key=lambda r: (r.passed, r.skipped != "", r.text_kept, r.post))
    header = f"{'ok':<4}{'fmt':<9}{'post':<46}{'text%':>7}{'added':>7}{'img':>8}{'links':>9}  notes"
    lines = [header, "-" * len(header)]
    for row in ordered:
        notes = "; ".join(row.problems + [f"missing {u}" for u in row.images_missing
                                          + row.links_missing])  # fmt: skip
        if row.skipped:
            notes = f"skipped: {row.skipped}"
        if row.truncated:
            notes = f"truncated to {row.body_bytes} bytes (text measured over the part shown)"
        lines.append(
            f"{'ok' if row.passed else 'FAIL':<4}{row.body_format:<9}{row.post[:45]:<46}"
            f"{row.text_kept * 100:>6.1f}%{row.text_added:>7}"
            f"{row.images - len(row.images_missing):>4}/{row.images:<3}"
            f"{row.links - len(row.links_missing):>4}/{row.links:<4}  {notes[:160]}"
        )
    failed = sum(not row.passed for row in rows)
    mapped = [row for row in rows if not row.skipped]
    worst = min((row.text_kept for row in mapped), default=1.0)
    lines.append(f"{len(rows)} rows, {len(mapped)} mapped, {len(rows) - len(mapped)} skipped, "
                 f"{failed} failing; worst text kept {worst * 100:.1f} %")  # fmt: skip
    return "\n".join(lines)


def report_json(rows: list[FidelityRow]) -> list[dict[str, Any]]:
    return [dict(row.__dict__, passed=row.passed) for row in rows]
