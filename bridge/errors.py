"""Errors a person sees, and the process exit codes that go with them."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILURES = 1  # something due could not be done and needs a person (see `status`)
    CONFIG = 2  # the configuration is incomplete or invalid
    TEMPFAIL = 75  # a node or WordPress was unreachable, or another sync holds the lock


class UserError(Exception):
    """A problem the user can fix: no traceback, a list of problems and the next command to run."""

    exit_status = ExitStatus.FAILURES

    def __init__(self, message: str, problems: list[str] | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []
        self.hint = hint

    def render(self) -> str:
        lines = [f"error: {self.message}"]
        lines += [f"  - {p}" for p in self.problems]
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class ConfigError(UserError):
    exit_status = ExitStatus.CONFIG


class LockHeld(UserError):
    exit_status = ExitStatus.TEMPFAIL
