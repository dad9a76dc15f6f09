"""Which local process holds a TCP port, and which processes run a given command line (Linux
``/proc``), so the demo can tell its own devnet and WordPress from another checkout's, and stop
exactly what it started. Development tooling only.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")
LISTEN = "0A"


def port_busy(port: int, host: str = "127.0.0.1") -> bool:
    """Something accepts connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def listener_pid(port: int) -> int | None:
    """The pid of the process listening on TCP ``port`` (any address), if it can be seen."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for pid in pids():
        try:
            for fd in (PROC / str(pid) / "fd").iterdir():
                if os.readlink(fd) in inodes:
                    return pid
        except OSError:
            continue
    return None


def pids() -> list[int]:
    return sorted(int(p.name) for p in PROC.iterdir() if p.name.isdigit())


def cmdline(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def find(matches: Callable[[list[str]], bool]) -> list[int]:
    """Pids whose command line ``matches`` (never this process)."""
    return [pid for pid in pids() if pid != os.getpid() and matches(cmdline(pid))]


def describe(pid: int) -> str:
    words = cmdline(pid)
    text = " ".join(words) if words else "a process"
    return f"pid {pid} ({text[:120]})"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return False
    return bool(state) and state[0] != "Z"  # a zombie has exited already


def terminate(pid: int, wait: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``wait`` seconds."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
