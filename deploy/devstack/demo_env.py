"""``make demo``'s processes and state, kept coherent: what to reuse, restart, reset or explain.

Owns: deciding whether the previous demo's story can go on (its state store, keys, devnet journal
and WordPress site all still there) or a fresh demo must start (then the WordPress site "demo" is
reinstalled and this checkout's old devnet stopped, so posts never carry chain meta of a chain
that is gone and nothing is published twice onto an existing chain); starting or restarting the
demo WordPress (port 8088) and this checkout's devnet (port 8090, or the next free port when
another program holds it, remembered in .demo/devnet.port); telling this checkout's processes
from another checkout's by their command lines; and ``stop``. Problems are ``DemoProblem``s: one
line and the next command to run. Development tooling only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.devstack import localstack, procs

SITE = "demo"
WP_PORT = 8088
DEVNET_PORT = 8090
SPARE_DEVNET_PORTS = range(DEVNET_PORT + 1, DEVNET_PORT + 100)


class DemoProblem(Exception):
    """Something the demo cannot fix itself: what is wrong, and the command that fixes it."""

    def __init__(self, message: str, next_command: str) -> None:
        super().__init__(message)
        self.message = message
        self.next_command = next_command


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def demo(self) -> Path:
        return self.root / ".demo"

    @property
    def devnet_data(self) -> Path:
        return self.demo / "devnet"

    @property
    def devnet_log(self) -> Path:
        return self.demo / "devnet.log"

    @property
    def devnet_port_file(self) -> Path:
        return self.demo / "devnet.port"

    @property
    def state(self) -> Path:
        return self.demo / "state.db"

    @property
    def keys(self) -> Path:
        return self.demo / "keys.toml"

    @property
    def site_json(self) -> Path:
        return self.root / ".run" / f"wordpress-{SITE}" / "site.json"

    @property
    def wp_local(self) -> Path:
        return self.root / "deploy" / "wordpress" / "wp-local"


# -- the story so far --------------------------------------------------------------------------

def missing_state(paths: DemoPaths) -> str | None:
    """Why the previous demo cannot go on (None when it can): a part of its story is gone."""
    parts = {paths.state: "its state store", paths.keys: "its account keys",
             paths.devnet_data / "journal.jsonl": "its devnet's data",
             paths.site_json: "its WordPress site"}
    gone = [what for path, what in parts.items() if not path.exists()]
    if len(gone) == len(parts) or not paths.demo.exists():
        return "no previous demo in .demo"
    return f"the previous demo is incomplete ({', '.join(gone)} missing)" if gone else None


def start_fresh(paths: DemoPaths) -> None:
    """Forget the previous demo everywhere: stop this checkout's devnet, remove .demo and
    reinstall the WordPress site "demo" (its posts would carry chain meta of a chain gone)."""
    for pid in our_devnets(paths):
        procs.terminate(pid)
    shutil.rmtree(paths.demo, ignore_errors=True)
    wp_local(paths, "reset", SITE)


# -- WordPress -----------------------------------------------------------------------------------

def wordpress_running(paths: DemoPaths) -> bool:
    return subprocess.run([str(paths.wp_local), "status", SITE], capture_output=True,
                          text=True, timeout=60).returncode == 0


def ensure_wordpress(paths: DemoPaths) -> tuple[dict[str, Any], str]:
    """Start (or restart) the demo site with its seed posts; returns site.json and what was done."""
    running = wordpress_running(paths)
    if not running and procs.port_busy(WP_PORT):
        holder = procs.listener_pid(WP_PORT)
        raise DemoProblem(f"port {WP_PORT} (the demo WordPress) is held by "
                          f"{procs.describe(holder) if holder else 'another program'}",
                          _how_to_free(holder, "deploy/wordpress/router.php", WP_PORT))
    was_installed = paths.site_json.exists()
    wp_local(paths, "start", SITE, str(WP_PORT))
    wp_local(paths, "seed", SITE)
    site = json.loads(paths.site_json.read_text())
    done = ("running" if running else "restarted (it was stopped)" if was_installed
            else "installed and started")
    return site, done


def wp_local(paths: DemoPaths, *args: str) -> str:
    try:
        result = subprocess.run([str(paths.wp_local), *args], capture_output=True, text=True,
                                timeout=600)
    except subprocess.TimeoutExpired as exc:
        raise DemoProblem(f"wp-local {' '.join(args)} did not finish within 10 minutes",
                          f"deploy/wordpress/wp-local status {SITE}") from exc
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise DemoProblem(f"wp-local {' '.join(args)} failed: "
                          f"{lines[0] if lines else f'exit {result.returncode}'}",
                          f"tail .run/wordpress-{SITE}/server.log; then make stop && make demo")
    return result.stdout


# -- devnet ----------------------------------------------------------------------------------------

def our_devnets(paths: DemoPaths) -> list[int]:
    """Devnet processes of this checkout's demo (its data directory on their command line)."""
    data = str(paths.devnet_data)
    return procs.find(lambda argv: "devnet" in argv and "--data" in argv
                      and argv[argv.index("--data") + 1:][:1] == [data])


def ensure_devnet(paths: DemoPaths) -> tuple[localstack.DevnetProcess, str]:
    """This checkout's demo devnet, reused or started; returns it and what was done."""
    for pid in our_devnets(paths):
        port = _port_of(pid)
        url = f"http://127.0.0.1:{port}"
        if port and localstack.devnet_alive(url):
            return localstack.DevnetProcess(url, pid), f"running (pid {pid})"
        procs.terminate(pid)  # ours but not answering: start it anew from its data
    port, note = _devnet_port(paths)
    try:
        devnet = localstack.start_devnet_process(port, paths.devnet_data, paths.devnet_log)
    except RuntimeError as exc:
        raise DemoProblem(f"the devnet did not start: {exc}",
                          f"tail {paths.devnet_log.relative_to(paths.root)}") from exc
    paths.devnet_port_file.write_text(f"{port}\n")
    return devnet, f"started (pid {devnet.pid}){note}"


def _devnet_port(paths: DemoPaths) -> tuple[int, str]:
    """8090, or the port this checkout used last, or the first free spare port."""
    try:
        recorded = int(paths.devnet_port_file.read_text())
    except (OSError, ValueError):
        recorded = DEVNET_PORT
    if not procs.port_busy(recorded):
        return recorded, ""
    for port in (DEVNET_PORT, *SPARE_DEVNET_PORTS):
        if not procs.port_busy(port):
            holder = procs.listener_pid(recorded)
            what = procs.describe(holder) if holder else "another program"
            return port, (f"; port {recorded} is held by {what}, so this checkout's demo uses "
                          f"{port} (to free {recorded}: {_how_to_free(holder, '.demo/devnet', recorded)})")
    raise DemoProblem(f"no free port for the devnet in {DEVNET_PORT}-{SPARE_DEVNET_PORTS[-1]}",
                      "make stop in the other checkouts")


def _port_of(pid: int) -> int | None:
    argv = procs.cmdline(pid)
    try:
        return int(argv[argv.index("--port") + 1])
    except (ValueError, IndexError):
        return None


def _how_to_free(holder: int | None, marker: str, port: int) -> str:
    """``cd <checkout> && make stop`` when another checkout's demo holds it, else ``kill``."""
    if holder is None:
        return f"find it with: ss -ltnp 'sport = :{port}'"
    for word in procs.cmdline(holder):
        if word.endswith(marker):
            checkout = word[: -len(marker)].rstrip("/")
            return f"cd {checkout} && make stop"
    return f"kill {holder}"


# -- stop ----------------------------------------------------------------------------------------

def stop(paths: DemoPaths) -> list[str]:
    """Stop the demo's WordPress and devnet; returns what was stopped."""
    stopped = []
    status = subprocess.run([str(paths.wp_local), "status", SITE], capture_output=True,
                            text=True, timeout=60)
    if status.returncode == 0:
        wp_local(paths, "stop", SITE)
        words = dict(w.split("=", 1) for w in status.stdout.split() if "=" in w)
        stopped.append(f"WordPress site '{SITE}' (pid {words.get('pid')}, {words.get('url')})")
    for pid in our_devnets(paths):
        port = _port_of(pid)
        procs.terminate(pid)
        stopped.append(f"devnet (pid {pid}, port {port})")
    (paths.devnet_data / "devnet.pid").unlink(missing_ok=True)
    return stopped
