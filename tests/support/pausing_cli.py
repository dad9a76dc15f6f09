"""The ``wp-steem-bridge`` command, frozen (SIGSTOP) at one named send step (fleet tests only).

``python -m tests.support.pausing_cli STEP [wp-steem-bridge arguments...]``: like
tests/support/crashing_cli.py, but the process stops itself the first time the dispatcher
reaches ``STEP``, as a hung or suspended worker would, and carries on where it was when the test
sends SIGCONT.
"""

from __future__ import annotations

import os
import signal
import sys

from tests.support.crashing_cli import run_with_checkpoint


def pause_at(step: str):
    paused: list[bool] = []

    def checkpoint(reached: str) -> None:
        if reached == step and not paused:
            paused.append(True)
            os.kill(os.getpid(), signal.SIGSTOP)

    return checkpoint


def main(argv: list[str]) -> None:
    run_with_checkpoint(argv, "tests.support.pausing_cli", pause_at)


if __name__ == "__main__":
    main(sys.argv[1:])
