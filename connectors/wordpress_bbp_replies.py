"""bbPress replies (微慕 Pro's 动态圈 replies) as ``bridge.model.CommentRecord``s: a
``bridge.ports.Source`` read like the comments (``connectors.wordpress_comments``), from the change
feed's ``reply`` rows and the companion plugin's ``wp-steem-bridge/v1/bbp-replies`` records
(includes/moments.php): the topic is the record's post (type ``topic``), ``_bbp_reply_to`` its
parent reply (type ``reply``). The comments' reply mapping then threads them on chain.
"""

from __future__ import annotations

from typing import Any, Protocol

from connectors.wordpress_comments import CommentApi, WordPressComments


class ReplyApi(CommentApi, Protocol):
    def bbp_replies_by_id(self, ids: list[int]) -> list[dict[str, Any]]: ...


class WordPressBbpReplies(WordPressComments):
    object_type = "reply"

    def __init__(self, api: ReplyApi, site_id: str) -> None:
        super().__init__(api, site_id)
        self.replies_api = api
        self.name = f"wp:{site_id}:replies"

    def read_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        return self.replies_api.bbp_replies_by_id(ids)
