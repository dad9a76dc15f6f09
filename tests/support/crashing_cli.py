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
from collections.abc import Callable

import bridge.dispatch
from bridge.cli import main as cli_main

STEPS = ("after-sign", "after-broadcast", "before-confirm")


def crash_at(step: str):
    def checkpoint(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


def run_with_checkpoint(argv: list[str], module: str,
                        checkpoint_at: Callable[[str], Callable[[str], None]]) -> None:
    """The CLI on ``argv[1:]`` with the dispatcher's checkpoint set for step ``argv[0]``."""
    if not argv or argv[0] not in STEPS:
        sys.exit(f"usage: python -m {module} {{{'|'.join(STEPS)}}} ARGS...")
    bridge.dispatch.checkpoint = checkpoint_at(argv[0])
    cli_main(args=argv[1:], prog_name="wp-steem-bridge")


def main(argv: list[str]) -> None:
    run_with_checkpoint(argv, "tests.support.crashing_cli", crash_at)


if __name__ == "__main__":
    main(sys.argv[1:])
