"""The ``wp-steem-bridge`` command line. Every command is a thin shell over the engine.

Errors a person can fix print what is wrong and the next command to run; a traceback appears only
with ``--debug``.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

import click

from bridge import __version__
from bridge.cli_base import Context, guarded
from bridge.cli_ledger import anchor, points, verify_anchor
from bridge.errors import UserError
from bridge.logs import setup_logging

if TYPE_CHECKING:  # imported lazily at run time: `--help` need not load the engine and beem
    from bridge.report import TickReport

log = logging.getLogger("wp_steem_bridge")


@click.group()
@click.version_option(__version__)
@click.option("--config", "-c", envvar="WPSB_CONFIG", help="TOML config file.")
@click.option("--debug", is_flag=True, help="Verbose logs and tracebacks.")
@click.pass_context
def main(ctx: click.Context, config: str | None, debug: bool) -> None:
    """Bridge WordPress posts to Steem and the chain's rewards back."""
    setup_logging(debug)
    ctx.obj = Context(config, debug)


@main.command()
@click.option("--once", is_flag=True, hidden=True,
              help="Accepted for older crontabs; sync always runs one tick.")
@click.option("--rescan", is_flag=True, help="Re-read every post, ignoring the cursor.")
@click.pass_obj
@guarded
def sync(ctx: Context, once: bool, rescan: bool) -> None:
    """Run one sync tick (for cron): poll WordPress, broadcast what is due, write back.

    Exit 0 when done. SIGTERM finishes the current step and exits 75. The daemon is `run`."""
    from bridge.runner import StopFlag, exit_status, run_once

    stop = StopFlag()
    stop.install()  # before connecting: a signal from here on is a warm stop
    app = ctx.app()
    try:
        report = run_once(lambda should_stop: app.engine.tick(should_stop, rescan=rescan),
                          app.lock, stop)
    finally:
        app.close()
    status = exit_status(report, stopped=stop())
    click.echo(f"sync: {report.summary()}")
    problems = report.terminal_problems + report.transient_problems
    for text in problems:
        click.echo(f"  problem: {text}", err=True)
    if stop():
        click.echo(f"sync stopped early ({stop.signal_name}): the step in progress was finished; "
                   f"what is left goes out on the next sync", err=True)
    if problems or report.failed:
        first = (problems or ["see status"])[0]
        click.echo(f"sync incomplete: {first} (run `wp-steem-bridge status`)", err=True)
    sys.exit(status)


@main.command()
@click.option("--interval", type=float, default=None, help="Seconds between ticks.")
@click.option("--webhook", "listen", default=None, metavar="HOST:PORT",
              help="Also listen for signed pokes from WordPress ([webhook] listen).")
@click.option("--sites", "sites_dir", default=None, metavar="DIR",
              help="Serve a fleet: one config file per site in DIR, all on one PostgreSQL.")
@click.option("--worker", default=None, metavar="I/N",
              help="With --sites: this is worker I of N (spreads where workers start).")
@click.option("--lock-timeout", type=float, default=None,
              help="With --sites: seconds after which a silent worker's sites are free.")
@click.pass_obj
@guarded
def run(ctx: Context, interval: float | None, listen: str | None, sites_dir: str | None,
        worker: str | None, lock_timeout: float | None) -> None:
    """Run as a daemon: the same tick in a loop; SIGTERM finishes the current step and exits.

    With a webhook, WordPress's poke on publish starts the next tick at once. With --sites,
    one worker of a fleet (bridge/fleet.py): many sites, one site per worker at a time."""
    if sites_dir is not None:
        from bridge.fleet import run_fleet

        if listen:
            raise UserError("--sites and --webhook do not go together",
                            hint="run one webhook daemon per site, or let the fleet poll")
        sys.exit(run_fleet(sites_dir, worker, lock_timeout, interval))
    import threading

    from bridge.metrics import DaemonMetrics
    from bridge.runner import run_forever
    from bridge.webhook import TickClock

    app = ctx.app()
    wake = threading.Event()
    ticks = TickClock(app.store.get_meta(app.store.scoped("last_tick")))
    metrics = DaemonMetrics()
    server = _start_webhook(app.settings, listen, wake, ticks.health, metrics.gauges)

    def on_report(report: TickReport) -> None:
        ticks.record(report.summary())
        metrics.record(app.store, report)
        log.info("tick: %s", report.summary())
        for text in report.terminal_problems + report.transient_problems:
            log.warning("problem: %s", text)

    try:
        run_forever(lambda stop: app.engine.tick(stop), app.lock,
                    interval or app.settings.interval, on_report, wake=wake)
    finally:
        if server is not None:
            server.stop()
        app.close()
    log.info("stopped")


def _start_webhook(settings: Any, listen: str | None, wake: Any, health: Any = None,
                   metrics: Any = None) -> Any:
    from bridge.webhook import WebhookServer

    listen = listen or settings.webhook_listen
    if not listen:
        return None
    if not settings.webhook_secret:
        raise UserError("the webhook needs a shared secret",
                        hint="set WPSB_WEBHOOK_SECRET or [webhook] secret_file (mode 0600)")
    host, _, port = listen.rpartition(":")
    server = WebhookServer(host or "127.0.0.1", int(port), settings.webhook_secret, wake, health,
                           metrics)
    server.start()
    return server


@main.command()
@click.option("--full", is_flag=True, help="Re-read every bridged post and member.")
@click.pass_obj
@guarded
def mirror(ctx: Context, full: bool) -> None:
    """Mirror votes, payouts and rewards from the chain into WordPress meta (also part of sync)."""
    from bridge.runner import run_once

    app = ctx.app()
    mirror_stream = app.mirror
    if mirror_stream is None:
        app.close()
        raise UserError("the mirror is switched off ([mirror] enabled = false)")
    try:
        result = run_once(lambda stop: mirror_stream.run(full=full), app.lock)
    finally:
        app.close()
    click.echo(f"mirror: {result.summary()}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
@guarded
def status(ctx: Context, as_json: bool) -> None:
    """Show cursors, the queue, scheduled and failed items, and recorded problems."""
    from bridge.app import open_store
    from bridge.config import load_settings
    from bridge.status import render_status, status_json

    store = open_store(load_settings(ctx.config, secrets=False))
    try:
        click.echo(status_json(store) if as_json else render_status(store))
    finally:
        store.close()


@main.command()
@click.option("--failed", "all_failed", is_flag=True, help="Re-queue every failed intent.")
@click.argument("key", required=False)
@click.pass_obj
@guarded
def retry(ctx: Context, all_failed: bool, key: str | None) -> None:
    """Put failed intents back in the queue after fixing their cause."""
    from bridge.app import open_store
    from bridge.config import load_settings

    if not all_failed and not key:
        raise UserError("name an intent key or pass --failed",
                        hint="see the keys with: wp-steem-bridge status")
    store = open_store(load_settings(ctx.config, secrets=False))
    try:
        with store.transaction():
            count = store.outbox.retry_failed(None if all_failed else key)
    finally:
        store.close()
    click.echo(f"{count} intent(s) queued again; run: wp-steem-bridge sync")


DATES = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"])


@main.command()
@click.option("--since", type=DATES, help="Posts published after this date (site time).")
@click.option("--until", type=DATES, help="Posts published before this date (site time).")
@click.option("--ids", multiple=True, help="Only these post ids (comma-separated, repeatable).")
@click.option("--category", "categories", multiple=True,
              help="Only posts in this category (slug, name or id; repeatable).")
@click.option("--dry-run", is_flag=True,
              help="Print what would be published, as which permlinks and when; write nothing.")
@click.option("--post-type", default="posts", show_default=True, help="WordPress post type.")
@click.option("--poll", type=float, default=3.0, hidden=True,
              help="Seconds between looks at the head block while waiting.")
@click.pass_obj
@guarded
def backfill(ctx: Context, since: Any, until: Any, ids: tuple[str, ...],
             categories: tuple[str, ...], dry_run: bool, post_type: str, poll: float) -> None:
    """Publish posts that were written before the bridge, within the chain's rate rules.

    Without a selection it continues an unfinished backfill, or takes every published post.
    Shows a progress bar and the ETA (chain time); SIGTERM finishes the step and exits 75, and
    running it again continues. See the plan first with --dry-run."""
    from bridge.backfill_run import command
    from bridge.model import to_text
    from bridge.ports import PostSelection

    try:
        post_ids = tuple(int(i) for text in ids for i in text.split(",") if i.strip())
    except ValueError as exc:
        raise click.BadParameter("post ids are numbers, e.g. --ids 12,15", param_hint="--ids") \
            from exc
    chosen = PostSelection(to_text(since) if since else None,
                           to_text(until) if until else None, post_ids, categories) \
        if since or until or post_ids or categories else None
    sys.exit(command(ctx.config, chosen, dry_run=dry_run, post_type=post_type,
                     poll_interval=poll))


@main.command()
@click.pass_obj
@guarded
def check(ctx: Context) -> None:
    """Validate the config, reach WordPress and the chain, and check every key (no writes)."""
    from bridge.doctor import key_problems
    from bridge.failures import ConnectorError
    from bridge.model import to_text

    app = ctx.app()
    try:
        info = app.wordpress.site_info()
        click.echo(f"wordpress: {info['name']} at {info['url']}")
        if "wp-steem-bridge/v1" not in info["namespaces"]:
            raise UserError("the wp-steem-bridge companion plugin is not active on the site",
                            hint="install deploy/wordpress-plugin/wp-steem-bridge and activate it")
        head = app.chain.head()
        click.echo(f"chain: {app.settings.chain.chain_id[:12]}… head block {head.block_num} "
                   f"at {to_text(head.time)}")
        try:
            app.chain.find_transaction("0" * 40)  # reconcile depends on this API
        except ConnectorError as exc:
            raise UserError("the node cannot look transactions up by id, which the bridge "
                            "needs to confirm broadcasts after a crash", [exc.message],
                            hint="use a node with the account_history (condenser_api."
                                 "get_transaction) API, then run: wp-steem-bridge check") from exc
        keys = app.settings.keys
        problems = key_problems(app.chain, dict(keys.posting), keys.app_account,
                                app.chain.steem.prefix)
        if problems:
            raise UserError("some posting keys would be refused by the chain", problems,
                            hint="fix the keys (env WPSB_POSTING_KEY_<ACCOUNT> or the [keys] "
                                 "file), then run: wp-steem-bridge check")
        click.echo(f"keys: posting keys for {', '.join('@' + a for a in sorted(keys.posting))} "
                   f"match the chain")
    finally:
        app.close()


main.add_command(points)
main.add_command(anchor)
main.add_command(verify_anchor)


if __name__ == "__main__":
    main()
