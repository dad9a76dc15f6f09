"""What every ``wp-steem-bridge`` command shares: its context (the config it was given, and
``--debug``) and ``guarded``, which turns the errors a person can fix into a message with the next
command to run and an exit code (a traceback only with ``--debug``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from bridge.errors import ExitStatus, UserError

if TYPE_CHECKING:  # imported lazily at run time: `--help` need not load the engine and beem
    from bridge.app import App


class Context:
    def __init__(self, config: str | None, debug: bool) -> None:
        self.config = config
        self.debug = debug

    def app(self) -> App:
        from bridge.app import build_app
        from bridge.config import load_settings

        return build_app(load_settings(self.config))


def guarded(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn UserError/ConnectorError into a message and an exit code; tracebacks on --debug."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx: Context = click.get_current_context().obj
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            click.echo(exc.render(), err=True)
            sys.exit(exc.exit_status)
        except Exception as exc:
            from bridge.failures import ConnectorError, FailureClass

            if ctx.debug:
                raise
            if isinstance(exc, ConnectorError):
                click.echo(f"error: {exc.message}", err=True)
                sys.exit(ExitStatus.TEMPFAIL if exc.failure is not FailureClass.TERMINAL
                         else ExitStatus.FAILURES)
            click.echo(f"error: {type(exc).__name__}: {exc}\n"
                       f"run again with --debug to see the traceback", err=True)
            sys.exit(ExitStatus.FAILURES)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper
