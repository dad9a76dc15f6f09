"""Fidelity yardstick: corpus posts mapped, rendered by a Steem frontend, compared with WordPress.

Entry points: ``tests.fidelity.report.fidelity_report()`` (rows) and ``python -m tests.fidelity``
(prints the table; ``--json`` for machine-readable rows, ``--format html|markdown`` to pick one).
"""

from __future__ import annotations

from tests.fidelity.report import FidelityRow, fidelity_report

__all__ = ["FidelityRow", "fidelity_report"]
