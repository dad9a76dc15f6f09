"""WordPress post -> Steem intent: the composition of the post mapping rules.

``post_to_intent`` is the only entry point. It is pure (no I/O, no clock, no randomness) and
total: any input yields an ``Intent`` or a ``Skip`` whose reason a site owner can act on.
A new post becomes one CREATE_POST intent (``comment`` + ``comment_options`` in one
transaction); a post already on chain becomes an EDIT_POST of the linked author/permlink with
the linked category, because steemd does not allow a post's parent_permlink to change.
"""

from __future__ import annotations

from typing import Any

from bridge.model import (
    ChainLink,
    Intent,
    IntentKind,
    MappingContext,
    PostRecord,
    Skip,
    SourceRef,
    content_hash,
    intent_key,
)
from mappings.body import clean_html, compose_body, render_footer
from mappings.metadata import absolute_url, build_metadata, description_text, metadata_json
from mappings.options import OptionsError, build_comment_options, is_valid_account_name
from mappings.permlink import make_permlink
from mappings.size import MAX_TRANSACTION_BYTES, estimate_transaction_size
from mappings.tags import map_tags, with_category_first
from mappings.text import valid_utf8
from mappings.title import clean_title

_TRUE_STRINGS = {"1", "true", "yes", "on"}


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


def _ineligible(post: PostRecord) -> Skip | None:
    """A Skip when the post must not go to the chain at all, else None."""
    if post.status != "publish":
        # Not terminal: a scheduled post turns "publish" without its modified date changing.
        return Skip(
            post.source,
            f"post status is {post.status!r}; only published posts are sent to Steem",
            terminal=False,
        )
    if post.password_protected:
        return Skip(post.source, "post is password-protected; remove the password to publish it")
    if _is_true((post.meta or {}).get("steem_opt_out")):
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


def _is_true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in _TRUE_STRINGS
    return bool(value)


def _map_post(post: PostRecord, ctx: MappingContext, link: ChainLink | None) -> Intent | Skip:
    ineligible = _ineligible(post)
    if ineligible is not None:
        return ineligible
    if link is not None and not is_valid_account_name(link.author):
        return Skip(post.source, f"linked chain author {link.author!r} is invalid", terminal=False)

    clean = clean_html(post.content_rendered or post.content_raw or "", ctx.site_url,
                       valid_utf8(post.link or ""))
    if clean.is_empty:
        return Skip(post.source, "post body is empty after cleaning; add some text or an image")
    description = description_text(post.excerpt_rendered or post.excerpt_raw, clean.html)
    title, notes = clean_title(post.title_raw or post.title_rendered, description)

    tags, tag_notes = map_tags([*post.tags, *post.categories, *ctx.default_tags], ctx.max_tags)
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

    footer = render_footer(ctx.footer_template, post.link, title, ctx.site_name)
    body, body_notes = compose_body(clean, footer)
    notes += body_notes
    json_metadata = metadata_json(
        build_metadata(
            tags=tags,
            featured_image=absolute_url(post.featured_image, ctx.site_url),
            body_images=clean.images,
            body_links=clean.links,
            description=description,
            canonical_url=valid_utf8(post.link),
            app=ctx.app,
            body_format=ctx.body_format,
        )
    )
    comment = {
        "parent_author": "",
        "parent_permlink": category,
        "author": author,
        "permlink": permlink,
        "title": title,
        "body": body,
        "json_metadata": json_metadata,
    }
    operations: tuple[tuple[str, dict[str, Any]], ...] = (("comment", comment),)
    if kind is IntentKind.CREATE_POST:
        try:
            options = build_comment_options(author, permlink, ctx)
        except OptionsError as error:
            return Skip(post.source, f"payout settings invalid: {error}", terminal=False)
        operations += (("comment_options", options),)

    size = estimate_transaction_size(operations)
    if size > MAX_TRANSACTION_BYTES:
        return Skip(
            post.source,
            f"post too large for one transaction: {size} bytes > {MAX_TRANSACTION_BYTES}; "
            "shorten the post or split it into parts",
        )
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
