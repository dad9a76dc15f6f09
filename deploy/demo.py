"""``make demo``: a local WordPress with the seed posts, the devnet, and real syncs between them.

Steps: start WordPress (site "demo", port 8088) and load the three seed posts; start the devnet
(port 8090, state in .demo/devnet); create the authors' chain accounts through account_create;
write .demo/wp-steem-bridge.toml; run ``wp-steem-bridge sync``. One author has two posts,
so the second waits for the chain's 5-minute rule: the demo moves devnet time forward (a devnet
only shortcut, ``debug_generate_blocks``) and syncs again. Then it prints what went where.
Running it again publishes nothing twice. It heals what it can (deploy/devstack/demo_env.py):
a stopped WordPress is restarted, a lost .demo starts a fresh demo (WordPress site reinstalled,
new devnet), a port 8090 held by another program moves this checkout's devnet to a free port;
anything else is one line and the next command (the traceback with DEBUG=1 or --debug).
Run it from the repository root as ``python -m deploy.demo`` (``make demo`` does);
``python -m deploy.demo stop`` (``make stop``) stops what it started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from deploy.devstack.demo_env import SITE, WP_PORT, DemoPaths, DemoProblem

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / ".demo"


def sync(config: Path) -> int:
    print(f"\n$ wp-steem-bridge --config {config.relative_to(ROOT)} sync", flush=True)
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "wp-steem-bridge"), "--config",
                             str(config), "sync"], text=True)
    return result.returncode


def demo(paths: DemoPaths) -> int:
    from bridge.store import StateStore
    from deploy.devstack import demo_env, localstack, rewards_demo

    why = demo_env.missing_state(paths)
    if why:
        print(f"== {why}: starting a fresh demo (WordPress site '{SITE}' reinstalled, "
              f"new devnet)", flush=True)
        demo_env.start_fresh(paths)
    print(f"== WordPress (site '{SITE}' on 127.0.0.1:{WP_PORT})", flush=True)
    site, done = demo_env.ensure_wordpress(paths)
    print(f"   {site['url']}  (admin user {site['admin_user']}); {done}")

    devnet, done = demo_env.ensure_devnet(paths)
    print(f"== devnet on {devnet.url.removeprefix('http://')}: {done}", flush=True)
    authors = sorted({u["steem_account"] for u in site["users"].values()
                      if u.get("steem_account")})
    keys_file = paths.keys
    localstack.ensure_accounts(devnet.url, authors, keys_file)
    print(f"   accounts: {', '.join('@' + a for a in authors)}")
    config = localstack.write_bridge_config(paths.demo, site, devnet.url, keys_file,
                                            paths.state)

    code = sync(config)
    store = StateStore(paths.state, site=site["name"])
    waiting = [r for r in published_table(store) if r["status"] == "scheduled"]
    if waiting:
        print(f"\n{len(waiting)} post(s) wait for the chain's one-root-post-per-5-minutes rule; "
              f"moving devnet time forward 5 minutes (devnet only)")
        localstack.generate_blocks(devnet.url, 101)
        code = sync(config)
    print_table(published_table(store))

    print("\n== rewards: the demo accounts vote on each other's posts, devnet time moves past the "
          "7-day payout (devnet only), and the next sync mirrors votes and payouts into WordPress")
    if rewards_demo.vote_on_published(devnet.url, keys_file, store):
        rewards_demo.advance_past_payout(devnet.url)
    code = sync(config)
    rewards_demo.print_rewards(store)
    store.close()
    print(f"\nstate: {paths.state}; try: .venv/bin/wp-steem-bridge --config "
          f"{config.relative_to(ROOT)} status; stop it all: make stop")
    return code


def stop(paths: DemoPaths) -> int:
    from deploy.devstack import demo_env

    stopped = demo_env.stop(paths)
    print(f"stopped: {'; '.join(stopped)}" if stopped
          else "stopped: nothing (no demo WordPress or devnet of this checkout was running)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or os.environ.get("DEBUG", "") not in ("", "0")
    command = [a for a in args if a != "--debug"] or ["demo"]
    if command not in (["demo"], ["stop"]):
        print("usage: python -m deploy.demo [demo|stop] [--debug]", file=sys.stderr)
        return 2
    paths = DemoPaths(ROOT)
    try:
        return stop(paths) if command == ["stop"] else demo(paths)
    except KeyboardInterrupt:
        print("\ndemo: interrupted; run: make demo (it carries on) or make stop", file=sys.stderr)
        return 130
    except DemoProblem as problem:
        if debug:
            raise
        print(f"demo: {problem.message}\n  next: {problem.next_command}", file=sys.stderr)
        return 1
    except Exception as exc:  # one line, never a traceback (unless DEBUG=1 / --debug)
        if debug:
            raise
        text = str(exc).strip().splitlines()
        print(f"demo: {type(exc).__name__}: {text[0] if text else 'failed'}\n"
              f"  next: make stop && make demo (DEBUG=1 make demo shows the traceback)",
              file=sys.stderr)
        return 1


def published_table(store: Any) -> list[dict[str, object]]:
    """One row per post the bridge linked to the chain, with its latest intent's title/status."""
    rows = store.db.execute(
        "SELECT l.source_ref, l.author, l.permlink, l.block_num, l.tx_id, l.state, "
        "(SELECT title FROM intents i WHERE i.source_ref = l.source_ref ORDER BY id DESC "
        " LIMIT 1) AS title, "
        "(SELECT status FROM intents i WHERE i.source_ref = l.source_ref ORDER BY id DESC "
        " LIMIT 1) AS status, "
        "(SELECT not_before FROM intents i WHERE i.source_ref = l.source_ref ORDER BY id DESC "
        " LIMIT 1) AS not_before FROM links l ORDER BY l.source_ref").fetchall()
    return [dict(r) for r in rows]


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'id':>4}  {_fit('WordPress title', 40)}  {_fit('-> @author/permlink', 56)}  "
          f"{'block':>6}  tx id")
    for row in rows:
        post_id = row["source_ref"].rsplit(":", 1)[1]
        where = f"@{row['author']}/{row['permlink']}"
        block = str(row["block_num"] or "-")
        tx = row["tx_id"] or f"({row['status']})"
        print(f"{post_id:>4}  {_fit(row['title'] or '', 40)}  {_fit(where, 56)}  {block:>6}  {tx}")


def _fit(text: str, width: int) -> str:
    """Cut or pad to ``width`` terminal columns (CJK characters take two)."""
    out, used = "", 0
    for ch in text:
        w = 2 if ord(ch) >= 0x2E80 else 1
        if used + w > width - 1 and len(text) > len(out) + 1:
            return out + "…" + " " * (width - used - 1)
        out, used = out + ch, used + w
    return out + " " * (width - used)

if __name__ == "__main__":
    sys.exit(main())
