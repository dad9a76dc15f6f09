"""The ``wp-steem-bridge`` command, killed at one named send step (crash tests only).

``python -m tests.support.crashing_cli STEP [wp-steem-bridge arguments...]`` replaces
``bridge.dispatch.checkpoint`` (a no-op on the production path) with one that SIGKILLs this
process when the dispatcher reaches ``STEP`` ("after-sign", "after-broadcast" or
"before-confirm"), then runs the
real CLI. Nothing is cleaned up: the state store sees exactly what a power cut would leave.
"""

from __future__ import annotations

import os
import signal
import sys

import bridge.dispatch
from bridge.cli import main as cli_main

STEPS = ("after-sign", "after-broadcast", "before-confirm")


def crash_at(step: str):
    def checkpoint(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in STEPS:
        sys.exit(f"usage: python -m tests.support.crashing_cli {{{'|'.join(STEPS)}}} ARGS...")
    bridge.dispatch.checkpoint = crash_at(argv[0])
    cli_main(args=argv[1:], prog_name="wp-steem-bridge")


if __name__ == "__main__":
    main(sys.argv[1:])
