"""The composition root: builds the store, connectors and engine from ``Settings``."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge import __version__
from bridge.anchor import FeedLedger, anchor_stream
from bridge.comment_stream import CommentPlanner
from bridge.config import Settings
from bridge.dispatch import Dispatcher
from bridge.engine import Engine
from bridge.heartbeat import Grants, Heartbeat
from bridge.like_stream import like_stream
from bridge.linking import Linking
from bridge.mirror import Mirror
from bridge.mirror_points import PointsMirror
from bridge.mirror_replies import ReplyMirror
from bridge.model import MappingContext, now_text
from bridge.points_stream import PointsBalances, PointsStream
from bridge.post_stream import PostPlanner
from bridge.retries import RetryRequests
from bridge.retry import retrying_chain, retrying_wordpress
from bridge.store import StateStore
from bridge.streams import InboundStream, OutboundStream, settings_fingerprint
from bridge.writeback import WriteBack
from connectors.sidechain import SteemEngineSidechain
from connectors.smt_balances import SmtTokens
from connectors.steem import SteemChain
from connectors.wordpress_bbp_replies import WordPressBbpReplies
from connectors.wordpress_comments import WordPressComments
from connectors.wordpress_likes import WordPressLikes
from connectors.wordpress_links import WordPressLinks
from connectors.wordpress_points import WordPressPoints
from connectors.wordpress_posts import WordPressPosts
from connectors.wordpress_rest import WordPressRest
from connectors.wordpress_xmlrpc import WordPressXmlrpc
from mappings.comments import CommentOptions
from mappings.likes import LikeRules
from mappings.posts import post_to_intent
from mappings.smt_payout import SmtOutput


@dataclass
class App:
    settings: Settings
    store: StateStore
    wordpress: WordPressRest | WordPressXmlrpc
    chain: SteemChain
    engine: Engine

    @property
    def mirror(self) -> Mirror | None:
        return next((s for s in self.engine.inbound if isinstance(s, Mirror)), None)

    def lock(self) -> AbstractContextManager[None]:
        """One broadcasting run per site at a time, whatever shares the state store."""
        return self.store.exclusive(self.settings.wordpress.site_id)

    def close(self) -> None:
        self.store.close()


def build_app(settings: Settings, store: StateStore | None = None) -> App:
    """``store``: an open store to use (a fleet worker's view of its one connection,
    ``StateStore.for_site``) instead of opening the settings' own."""
    store = store or open_store(settings)
    connector = WordPressXmlrpc if settings.wordpress.api == "xmlrpc" else WordPressRest
    wordpress = connector(settings.wordpress.url, settings.wordpress.user,
                          settings.wordpress.app_password)
    chain = SteemChain(settings.chain.nodes, settings.chain.chain_id,
                       tx_expiration=settings.chain.tx_expiration)
    reads = retrying_wordpress(wordpress)
    context = _context_factory(settings, reads)
    fingerprint = _fingerprint(context)
    streams: list[OutboundStream[Any]] = []
    for post_type in settings.wordpress.post_types:
        source = WordPressPosts(reads, settings.wordpress.site_id, post_type,
                                settings.wordpress.overlap_seconds,
                                settings.wordpress.published_overlap_seconds)
        streams.append(OutboundStream(source, PostPlanner(source.name, post_to_intent,
                                                          fingerprint)))
    if settings.moments.enabled:  # bbPress topics (the companion plugin's /wp/v2/topics)
        streams.append(_moments_stream(settings, reads, fingerprint))
    if settings.likes.enabled:
        streams.append(_likes_stream(settings, reads, store))
    if settings.comments.enabled:  # after the posts: a reply's post is bound first
        streams.append(_comments_stream(settings, store, reads, fingerprint))
    if settings.moments.enabled and settings.comments.enabled:  # bbPress replies, after topics
        streams.append(_comments_stream(settings, store, reads, fingerprint, bbpress=True))
    if settings.anchor.enabled and isinstance(wordpress, WordPressRest):  # ledger roots
        anchor = settings.anchor
        streams.append(anchor_stream(FeedLedger(WordPressPoints(wordpress)),
                                     settings.wordpress.site_id, anchor.account,
                                     timedelta(minutes=anchor.every),
                                     lambda: datetime.now(UTC), anchor.max_entries))
    sidechain = SteemEngineSidechain(settings.chain.sidechain_url) \
        if settings.chain.sidechain_url else None
    dispatcher = Dispatcher(store, retrying_chain(chain), settings.keys.signing_key,
                            sidechain=sidechain, confirm_timeout=settings.chain.confirm_timeout)
    dispatcher.on_refused_delete = settings.mapping.on_refused_delete
    writeback = WriteBack(store, reads)
    # the mirror repeats a failed run next tick (its cursor only moves on success), so it talks
    # to the connectors directly rather than through the retry layer
    inbound: list[InboundStream] = [_mirror(settings, store, chain, wordpress)] \
        if settings.mirror else []
    app_account = settings.keys.app_account
    grants = Grants(store, chain, reads, app_account) if app_account else None
    heartbeat = Heartbeat(store, reads, __version__, grants=grants)
    retries = RetryRequests(store, reads, settings.wordpress.site_id, streams[0].name) \
        if streams else None
    # members link their own accounts through the plugin's REST routes (not over XML-RPC)
    linking = Linking(store, WordPressLinks(wordpress), chain, app_account) \
        if app_account and isinstance(wordpress, WordPressRest) else None
    ledgers: list[InboundStream] = []
    site_id = settings.wordpress.site_id
    smt = settings.points.token_output(site_id)  # None: Steem-Engine / Hive-Engine
    if settings.points.enabled and isinstance(wordpress, WordPressRest) and (sidechain or smt):
        points = PointsStream(store, WordPressPoints(wordpress), settings.points.rules(site_id),
                              SmtTokens(chain, smt.nai, smt.precision) if isinstance(smt, SmtOutput)
                              else sidechain, token_output=smt,
                              linked_accounts=reads.users_with_steem_account)
        dispatcher.hooks["points"] = points
        ledgers.append(points)
        inbound.append(PointsBalances(points))
    engine = Engine(store, streams, dispatcher, writeback, context, inbound,
                    heartbeat=heartbeat, retries=retries, linking=linking,
                    ledgers=ledgers)
    return App(settings, store, wordpress, chain, engine)


def _likes_stream(settings: Settings, reads: Any, store: StateStore) -> OutboundStream[Any]:
    """Members' likes -> votes by their linked accounts (like-events feed, mappings.likes)."""
    source = WordPressLikes(reads, settings.wordpress.site_id)
    rules = LikeRules(weight=settings.likes.weight, unlinked=settings.likes.unlinked)
    return like_stream(source, rules, store.facts)


def _comments_stream(settings: Settings, store: StateStore, reads: Any,
                     fingerprint: Callable[[], str], bbpress: bool = False
                     ) -> OutboundStream[Any]:
    """WordPress comments, or (``bbpress``) bbPress replies under their topics."""
    source = WordPressBbpReplies(reads, settings.wordpress.site_id) if bbpress else \
        WordPressComments(reads, settings.wordpress.site_id)
    options = CommentOptions(unlinked=settings.comments.unlinked,
                             app_account=settings.keys.app_account)
    planner = CommentPlanner(source.name, options, fingerprint, store.facts,
                             parent_type=source.object_type)
    return OutboundStream(source, planner, revisit=("approved", "unreadable"))


def _mirror(settings: Settings, store: StateStore, chain: SteemChain,
            wordpress: WordPressRest | WordPressXmlrpc) -> Mirror:
    site_id, extras = settings.wordpress.site_id, settings.mirror_extras
    replies = ReplyMirror(store, chain, wordpress, site_id, frontend=extras.reply_frontend) \
        if extras.replies_to_comments else None
    points = PointsMirror(store, wordpress, site_id, points=extras.points_per_vote,
                          plugin=extras.points_plugin, points_type=extras.points_type) \
        if extras.points_per_vote > 0 else None
    return Mirror(store, chain, wordpress, WriteBack(store, wordpress), site_id,
                  replies=replies, points=points)


def _moments_stream(settings: Settings, reads: Any,
                    fingerprint: Callable[[], str]) -> OutboundStream[Any]:
    """Topics as root posts, in the configured community (if any) instead of the blog's."""
    community = settings.moments.community
    source = WordPressPosts(reads, settings.wordpress.site_id, "topics",
                            settings.wordpress.overlap_seconds,
                            settings.wordpress.published_overlap_seconds)

    def mapper(post: Any, context: MappingContext, link: Any) -> Any:
        return post_to_intent(post, replace(context, community=community or context.community),
                              link)

    return OutboundStream(source, PostPlanner(source.name, mapper,
                                              lambda: f"{fingerprint()}:{community}"))


def _fingerprint(context: Callable[[], MappingContext]) -> Callable[[], str]:
    """The settings' fingerprint, taken once (settings do not change while the process runs)."""
    taken: list[str] = []

    def fingerprint() -> str:
        if not taken:
            taken.append(settings_fingerprint(context()))
        return taken[0]

    return fingerprint


def open_store(settings: Settings) -> StateStore:
    return StateStore(settings.state_url or settings.state_path, site=settings.wordpress.site_id)


def _context_factory(settings: Settings, wordpress: Any) -> Callable[[], MappingContext]:
    site: dict[str, str] = {}

    def context() -> MappingContext:
        if not site:
            info = wordpress.site_info()
            site.update(name=info["name"], url=info["url"] or settings.wordpress.url)
        mapping = settings.mapping
        hive = settings.chain.name == "hive"
        extra = {"footer_template": mapping.footer} if mapping.footer is not None else {}
        return MappingContext(
            site_id=settings.wordpress.site_id, site_url=site["url"], site_name=site["name"],
            now=now_text(),
            app=f"wp-steem-bridge/{__version__}", default_tags=mapping.default_tags,
            max_tags=mapping.max_tags, beneficiaries=mapping.beneficiaries,
            payout=mapping.payout,
            max_accepted_payout=mapping.max_accepted_payout.replace("SBD", "HBD") if hive
            else mapping.max_accepted_payout,
            sbd_symbol="HBD" if hive else "SBD",
            percent_key="percent_hbd" if hive else "percent_steem_dollars",
            body_format=mapping.body_format, tags_from=mapping.tags_from,
            append_default_tags=mapping.append_default_tags, tag_map=mapping.tag_map,
            community=mapping.community, header_template=mapping.header,
            oversize=mapping.oversize, disclose_beneficiaries=mapping.disclose_beneficiaries,
            include_categories=mapping.include_categories,
            exclude_categories=mapping.exclude_categories,
            publish_delay_seconds=mapping.publish_delay_minutes * 60,
            include_password_protected=mapping.include_password_protected,
            on_refused_delete=mapping.on_refused_delete, **extra)

    return context
