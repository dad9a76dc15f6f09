"""The daemon loop: one failing tick is logged, not a crash loop; a stop request ends it."""

from __future__ import annotations


def test_the_daemon_loop_survives_a_failing_tick_and_stops_on_request() -> None:
    from contextlib import nullcontext

    from bridge.report import TickReport
    from bridge.runner import StopFlag, run_forever

    calls: list[int] = []
    stop = StopFlag()

    def tick(should_stop) -> TickReport:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a bug")
        stop.requested = True
        return TickReport()

    reports: list[TickReport] = []
    run_forever(tick, nullcontext, 0.01, reports.append, stop=stop)
    assert len(calls) == 2 and len(reports) == 1
