"""The points ledger's commands: ``points retry`` (entries the sidechain refused, due again),
``anchor export`` (ledger entries as JSON lines) and ``verify-anchor`` (a ledger against an anchor
on chain). Registered on ``bridge.cli.main``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from bridge.cli_base import Context, guarded
from bridge.errors import ExitStatus, UserError


@click.group()
def points() -> None:
    """Points -> tokens payouts ([points])."""


@points.command("retry")
@click.pass_obj
@guarded
def points_retry(ctx: Context) -> None:
    """Make point entries the sidechain refused due again (after fixing the cause, e.g. a
    treasury topped up); they go out in new batches on the next sync."""
    from bridge.app import open_store
    from bridge.config import load_settings
    from bridge.store.points import PointsLedger

    store = open_store(load_settings(ctx.config, secrets=False))
    try:
        with store.transaction():
            count = PointsLedger(store.db, store.site).retry_refused()
    finally:
        store.close()
    click.echo(f"{count} point entr{'y' if count == 1 else 'ies'} due again; run: "
               f"wp-steem-bridge sync")


@click.group()
def anchor() -> None:
    """Anchor-only mode ([anchor]): the points ledger's roots on chain."""


@anchor.command("export")
@click.option("--from", "first", type=int, required=True, help="First ledger entry id (the anchor's \"from\").")
@click.option("--to", "last", type=int, required=True, help="Last ledger entry id (the anchor's \"to\").")
@click.pass_obj
@guarded
def anchor_export(ctx: Context, first: int, last: int) -> None:
    """Write the ledger entries FROM..TO as JSON lines (for verify-anchor), read from the same
    points feed the anchors were made from."""
    from bridge.anchor import FeedLedger
    from bridge.config import load_settings
    from bridge.model import canonical_json
    from connectors.wordpress_points import WordPressPoints
    from connectors.wordpress_rest import WordPressRest

    settings = load_settings(ctx.config)
    wordpress = settings.wordpress
    if wordpress.api != "rest":
        raise UserError("the points feed is read over the REST API", [],
                        hint="set [wordpress] api = \"rest\"")
    rest = WordPressRest(wordpress.url, wordpress.user, wordpress.app_password)
    for entry in FeedLedger(WordPressPoints(rest)).entries_between(first, last):
        click.echo(canonical_json(entry.data))


@click.command("verify-anchor")
@click.argument("entries", type=click.Path(exists=True, dir_okay=False))
@click.option("--anchor", "anchor_json", default=None, help="The anchor's JSON (text or a file path).")
@click.option("--tx", "tx_id", default=None, help="Read the anchor from this transaction on chain.")
@click.option("--node", default=None, help="Node URL for --tx (http/https).")
@click.option("--chain-id", default=None, help="The node's chain id for --tx.")
@click.option("--prev", "prev_root", default=None, help="The previous anchor's root, to check the chain of anchors.")
@click.option("--was", "was", default=None, type=click.Path(exists=True, dir_okay=False),
              help="An export made when the range was anchored: name the entries that differ.")
@click.pass_obj
@guarded
def verify_anchor(ctx: Context, entries: str, anchor_json: str | None, tx_id: str | None,
                  node: str | None, chain_id: str | None, prev_root: str | None, was: str | None) -> None:
    """Check ledger entries (JSON lines, the anchored range in order) against an anchor.

    Exit 0 when the ledger matches the anchored root, 1 (with what differs) otherwise."""
    import json
    from pathlib import Path

    from bridge.anchor import read_anchor
    from mappings.anchor import changed_entries
    from mappings.anchor import verify_anchor as check

    def read_rows(path: str) -> list[Any]:
        return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]

    rows = read_rows(entries)
    if tx_id:
        if not node or not chain_id:
            raise UserError("--tx needs --node and --chain-id", [], hint="or pass the anchor JSON with --anchor")
        anchor_json = read_anchor(node, chain_id, tx_id)
    elif anchor_json and Path(anchor_json).is_file():
        anchor_json = Path(anchor_json).read_text(encoding="utf-8")
    if not anchor_json:
        raise UserError("no anchor given", [], hint="pass --anchor JSON or --tx ID --node URL --chain-id HEX")
    problems = check(rows, anchor_json, prev_root)
    if problems and was:  # the earlier export, itself checked against the anchor, names the entries
        earlier = read_rows(was)
        if check(earlier, anchor_json, prev_root):
            problems.append(f"{was} does not match the anchor either: it cannot name the changed entries")
        else:
            problems += changed_entries(earlier, rows)
    for text in problems:
        click.echo(f"mismatch: {text}", err=True)
    if problems:
        sys.exit(ExitStatus.FAILURES)
    anchor = json.loads(anchor_json)
    click.echo(f"verify-anchor: {len(rows)} entries {anchor['from']}..{anchor['to']} match root {anchor['root']}")
