"""Votes received on chain -> points awards for the post's WordPress author (pure).

Owns: which votes of a bridged post earn points (upvotes only: a positive ``percent``; a
downvote or a removed vote earns nothing), the award's identity ``voter/author/permlink`` (one
award per voter and post, ever, whatever the voter later changes), and the payload the companion
plugin's ``mirror/points`` route takes. The plugin makes the award idempotent on its side too; the
bridge never turns an award into a chain operation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REF = "steem_vote"  # the myCRED reference / GamiPress log type every award carries
PLUGINS = ("mycred", "gamipress")


@dataclass(frozen=True)
class VoteAward:
    post_id: int
    voter: str
    author: str
    permlink: str
    points: int
    plugin: str  # mycred | gamipress
    points_type: str  # "" = the plugin's default type

    @property
    def key(self) -> str:
        return award_key(self.voter, self.author, self.permlink)

    def as_payload(self) -> dict[str, Any]:
        return {"post_id": self.post_id, "voter": self.voter, "author": self.author,
                "permlink": self.permlink, "points": self.points, "plugin": self.plugin,
                "points_type": self.points_type}


def award_key(voter: str, author: str, permlink: str) -> str:
    return f"{voter}/{author}/{permlink}"


def new_awards(content: Mapping[str, Any], post_id: int, awarded: set[str], points: int,
               plugin: str, points_type: str = "") -> list[VoteAward]:
    """Awards for the upvotes in ``content["active_votes"]`` not in ``awarded`` yet."""
    if points <= 0:
        return []
    author, permlink = str(content["author"]), str(content["permlink"])
    found: dict[str, VoteAward] = {}
    for vote in _upvotes(content.get("active_votes", [])):
        award = VoteAward(post_id, str(vote["voter"]), author, permlink, points, plugin,
                          points_type)
        if award.key not in awarded:
            found.setdefault(award.key, award)
    return sorted(found.values(), key=lambda a: a.key)


def _upvotes(votes: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [v for v in votes if int(str(v.get("percent", 0))) > 0 and v.get("voter")]
