"""WordPress post -> Steem intent: the composition of the post mapping rules.

``post_to_intent`` is the only entry point. It is pure (no I/O, no clock, no randomness) and
total: any input yields an ``Intent`` or a ``Skip`` whose reason a site owner can act on.
A new post becomes one CREATE_POST intent (``comment`` + ``comment_options`` in one
transaction); a post already on chain becomes an EDIT_POST of the linked author/permlink with
the linked category, because steemd does not allow a post's parent_permlink to change.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bridge.model import (
    Beneficiary,
    ChainLink,
    Intent,
    IntentKind,
    MappingContext,
    PostRecord,
    Skip,
    SourceRef,
    content_hash,
    from_text,
    intent_key,
    to_text,
)
from mappings.body import CleanBody, clean_html, compose_body, extract_urls, render_footer
from mappings.metadata import absolute_url, build_metadata, description_text, metadata_json
from mappings.options import OptionsError, build_comment_options, is_valid_account_name
from mappings.permlink import make_permlink, slugify
from mappings.rewrite import block_boundaries
from mappings.settings import PostSettings, SettingsError, is_true, post_settings
from mappings.size import MAX_TRANSACTION_BYTES, estimate_transaction_size, fits_in_a_transaction
from mappings.tags import FALLBACK_TAG, map_tags, with_category_first, with_community
from mappings.text import valid_utf8
from mappings.title import clean_title

READ_MORE = "Read the full post"


def post_to_intent(post: PostRecord, ctx: MappingContext, link: ChainLink | None) -> Intent | Skip:
    """Map one WordPress post to the chain transaction that publishes or edits it."""
    try:
        return _map_post(post, ctx, link)
    except Exception as error:  # noqa: BLE001 - the contract is "never raises"
        return Skip(
            _source_of(post, ctx),
            f"internal mapping error ({type(error).__name__}: {error}); please report this post",
            terminal=False,
        )


def _source_of(post: Any, ctx: Any) -> SourceRef:
    source = getattr(post, "source", None)
    if isinstance(source, SourceRef):
        return source
    return SourceRef("wp", str(getattr(ctx, "site_id", "")), "post", "?")


def _ineligible(post: PostRecord, ctx: MappingContext) -> Skip | None:
    """A Skip when the post must not go to the chain (now or at all), else None."""
    return _status_skip(post, ctx) or _category_skip(post, ctx) or _delay_skip(post, ctx)


def _without_protected_text(post: PostRecord) -> PostRecord:
    """A password-protected post goes out (by explicit option) as a notice and a link only:
    the protected text, and any excerpt of it, never reaches the chain."""
    link = html.escape(post.link or "", quote=True)
    notice = (f'<p>This post is password-protected. <a href="{link}">Read it on the blog</a>.'
              f"</p>")
    return replace(post, content_rendered=notice, content_raw="", excerpt_rendered="",
                   excerpt_raw="")


def _category_skip(post: PostRecord, ctx: MappingContext) -> Skip | None:
    """Site filters by category (names or slugs, case-insensitive)."""
    include = {str(c).lower() for c in getattr(ctx, "include_categories", ()) or ()}
    exclude = {str(c).lower() for c in getattr(ctx, "exclude_categories", ()) or ()}
    if not include and not exclude:
        return None
    mine = {term for name in post.categories or () for term in (str(name).lower(), slugify(name))}
    if include and not mine & include:
        return Skip(post.source, f"post is not in the categories this site publishes "
                                 f"({', '.join(sorted(include))})")  # fmt: skip
    if mine & exclude:
        return Skip(post.source, f"post is in an excluded category "
                                 f"({', '.join(sorted(mine & exclude))})")  # fmt: skip
    return None


def _delay_skip(post: PostRecord, ctx: MappingContext) -> Skip | None:
    """Waits ``publish_delay_seconds`` after WordPress published the post (as SteemPress did)."""
    delay = int(getattr(ctx, "publish_delay_seconds", 0) or 0)
    if delay <= 0 or not post.date_gmt:
        return None
    try:
        due = from_text(post.date_gmt) + timedelta(seconds=delay)
        now = from_text(ctx.now)
    except ValueError:
        return None
    if now >= due:
        return None
    return Skip(post.source, f"waiting {delay} s after publishing (until {to_text(due)} "
                             "UTC) as configured", terminal=False,
                retry_at=to_text(due))  # fmt: skip


def _status_skip(post: PostRecord, ctx: MappingContext) -> Skip | None:
    if post.status != "publish":
        # Not terminal: a scheduled post turns "publish" without its modified date changing.
        return Skip(
            post.source,
            f"post status is {post.status!r}; only published posts are sent to Steem",
            terminal=False,
        )
    if post.password_protected and not getattr(ctx, "include_password_protected", False):
        return Skip(post.source, "post is password-protected; remove the password to publish it "
                                 "(or set [mapping] include_password_protected to announce it "
                                 "without its text)")
    if isinstance(post.meta, dict) and is_true(post.meta.get("steem_opt_out")):
        return Skip(post.source, "post is opted out (steem_opt_out is set); clear it to publish")
    if not post.author_account:
        return Skip(
            post.source,
            f"WordPress user {post.author_id} has no steem_account; set it in their profile",
            terminal=False,  # fixing the profile does not touch the post, so retry later
        )
    if not is_valid_account_name(post.author_account):
        return Skip(
            post.source,
            f"steem_account {post.author_account!r} of WordPress user {post.author_id} is not "
            "a valid Steem account name; fix it in their profile",
            terminal=False,
        )
    return None


def _map_post(post: PostRecord, ctx: MappingContext, link: ChainLink | None) -> Intent | Skip:
    ineligible = _ineligible(post, ctx)
    if ineligible is not None:
        return ineligible
    if post.password_protected:
        post = _without_protected_text(post)
    if link is not None and not is_valid_account_name(link.author):
        return Skip(post.source, f"linked chain author {link.author!r} is invalid", terminal=False)
    try:
        settings = post_settings(post, ctx)
    except SettingsError as error:
        return Skip(post.source, f"post meta override invalid: {error}")

    clean = clean_html(post.content_rendered or post.content_raw or "", ctx.site_url,
                       valid_utf8(post.link or ""))  # fmt: skip
    if clean.is_empty:
        return Skip(post.source, "post body is empty after cleaning; add some text or an image")
    description = description_text(post.excerpt_rendered or post.excerpt_raw, clean.html)
    title, notes = clean_title(post.title_raw or post.title_rendered, description)
    notes += list(clean.notes)
    tags, tag_notes = _tags(settings, ctx.max_tags)
    notes += tag_notes
    if link is None:
        kind, author = IntentKind.CREATE_POST, post.author_account
        permlink = make_permlink(post.slug, title, ctx.site_id, post.source.object_id)
        category = tags[0]
    else:
        kind, author, permlink, category = (
            IntentKind.EDIT_POST,
            link.author,
            link.permlink,
            link.category,
        )
        notes += _edit_notes(post, link, tags)
        tags = with_category_first(tags, category, ctx.max_tags)

    options: dict[str, Any] | None = None
    if kind is IntentKind.CREATE_POST:
        try:
            options = build_comment_options(author, permlink, ctx, settings.payout,
                                            settings.beneficiaries)  # fmt: skip
        except OptionsError as error:
            return Skip(post.source, f"payout settings invalid: {error}", terminal=False)

    draft = _Draft(post, ctx, settings, title, clean, tags, description,
                   {"parent_author": "", "parent_permlink": category, "author": author,
                    "permlink": permlink, "title": title}, options)  # fmt: skip
    built = draft.fitting()
    if isinstance(built, str):
        return Skip(post.source, built)
    operations, body, json_metadata, body_notes = built
    notes += body_notes
    body_hash = content_hash([title, body, json_metadata])
    return Intent(
        key=intent_key(kind, post.source, f"{post.modified_gmt}:{body_hash}"),
        kind=kind,
        account=author,
        source=post.source,
        operations=operations,
        body_hash=body_hash,
        author=author,
        permlink=permlink,
        category=category,
        title=title,
        notes=tuple(notes),
    )


def _tags(settings: PostSettings, max_tags: int) -> tuple[list[str], list[str]]:
    names = list(settings.tag_names)
    if settings.append_default_tags:
        names += settings.default_tags
    tags, notes = map_tags(names, max_tags, tag_map=settings.tag_map,
                           counts=settings.tag_counts, pinned=settings.pinned_terms)
    if tags == [FALLBACK_TAG] and not settings.append_default_tags and settings.default_tags:
        tags, notes = map_tags(list(settings.default_tags), max_tags, tag_map=settings.tag_map)
    tags, community_notes = with_community(tags, settings.community, max_tags)
    return tags, notes + community_notes


Built = tuple[tuple[tuple[str, dict[str, Any]], ...], str, str, list[str]]


class _Draft:
    """The comment (and options) of one post; cut at a block boundary when too large."""

    def __init__(self, post: PostRecord, ctx: MappingContext, settings: PostSettings, title: str,
                 clean: CleanBody, tags: list[str], description: str, comment: dict[str, Any],
                 options: dict[str, Any] | None) -> None:  # fmt: skip
        self.post, self.ctx, self.settings, self.clean = post, ctx, settings, clean
        self.tags, self.description, self.comment, self.options = tags, description, comment, options
        self.link = link = valid_utf8(post.link or "")
        name = ctx.site_name
        self.header = render_footer(settings.header_template, link, title, name)
        self.footer = render_footer(settings.footer_template, link, title, name)
        if settings.disclose_beneficiaries and options is not None:
            self.footer = _with_disclosure(self.footer, settings.beneficiaries)

    def build(self, clean: CleanBody, notes: list[str]) -> Built:
        body, body_notes = compose_body(clean, self.footer, self.header, self.ctx.body_format)
        json_metadata = metadata_json(
            build_metadata(
                tags=self.tags,
                featured_image=absolute_url(self.post.featured_image, self.ctx.site_url),
                body_images=clean.images,
                body_links=clean.links,
                description=self.description,
                canonical_url=self.link,
                app=self.ctx.app,
                body_format=self.ctx.body_format,
                community=self.settings.community,
            )
        )
        operations: tuple[tuple[str, dict[str, Any]], ...] = (
            ("comment", {**self.comment, "body": body, "json_metadata": json_metadata}),
        )
        if self.options is not None:
            operations += (("comment_options", self.options),)
        return operations, body, json_metadata, notes + body_notes

    def fitting(self) -> Built | str:
        """The operations if they fit in one transaction; else cut (or a reason to skip)."""
        whole = self.build(self.clean, [])
        if fits_in_a_transaction(whole[0]):
            return whole
        size = estimate_transaction_size(whole[0])
        if self.settings.oversize == "fail":
            return (f"post too large for one transaction: {size} bytes > "
                    f"{MAX_TRANSACTION_BYTES}; shorten the post or split it into parts")  # fmt: skip
        cuts = block_boundaries(self.clean.html)
        low, high, best = 0, len(cuts) - 1, None
        while low <= high:  # the longest prefix that still fits
            middle = (low + high) // 2
            candidate = self.build(self._cut(cuts[middle]), [])
            if estimate_transaction_size(candidate[0]) <= MAX_TRANSACTION_BYTES:
                best, low = (middle, candidate), middle + 1
            else:
                high = middle - 1
        if best is None:
            return (f"post too large for one transaction ({size} bytes) and its first block "
                    "alone does not fit; shorten the post")  # fmt: skip
        operations, body, json_metadata, notes = best[1]
        note = (f"body cut at a block boundary ({size} bytes > {MAX_TRANSACTION_BYTES}); "
                "ends with a link to the full post")  # fmt: skip
        return operations, body, json_metadata, [*notes, note]

    def _cut(self, offset: int) -> CleanBody:
        link = html.escape(valid_utf8(self.post.link or self.ctx.site_url), quote=True)
        more = f'<p><a href="{link}">{READ_MORE}</a></p>'
        markup = self.clean.html[:offset].rstrip() + "\n" + more
        images, links = extract_urls(markup)
        return CleanBody(html=markup, images=images, links=links, notes=self.clean.notes)


def _with_disclosure(footer: str, beneficiaries: tuple[Beneficiary, ...]) -> str:
    if not beneficiaries:
        return footer
    shares = ", ".join(f"@{b.account} {b.weight / 100:g} %"
                       for b in sorted(beneficiaries, key=lambda b: b.account))  # fmt: skip
    line = f"<p><em>Beneficiaries of this post's rewards: {html.escape(shares)}</em></p>"
    return f"{footer}\n{line}" if footer else line


def _edit_notes(post: PostRecord, link: ChainLink, tags: list[str]) -> list[str]:
    notes = []
    if post.author_account != link.author:
        notes.append(
            f"post is on chain as @{link.author}; the edit keeps that author "
            f"(profile now says {post.author_account!r})"
        )
    if link.category not in tags:
        notes.append(
            f"category {link.category!r} kept from the first publish (it cannot change on Steem)"
        )
    return notes
