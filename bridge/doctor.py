"""``check``: find the mistakes that would make posts silently miss the chain, before they do.

Reads only: WordPress reachable with the app password and the companion plugin active; the node
on the configured chain; every configured posting key really in its account's posting authority
(or the app account granted on chain), and every WordPress author's steem_account known.
"""

from __future__ import annotations

from typing import Any

from connectors.steem import public_key_of


def key_problems(chain: Any, posting: dict[str, str], app_account: str,
                 prefix: str = "STM") -> list[str]:
    """One line per configured key that the chain would refuse."""
    problems = []
    for account, wif in sorted(posting.items()):
        authority = chain.posting_authority(account)
        if authority is None:
            problems.append(f"@{account}: no such account on this chain")
            continue
        keys, delegates = authority
        if public_key_of(wif, prefix) in keys:
            continue
        if app_account and app_account != account and app_account in delegates:
            continue
        problems.append(f"@{account}: the configured posting key is not in its posting "
                        "authority (the chain would answer 'missing required posting authority')")
    return problems
