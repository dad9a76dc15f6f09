"""``python -m tests.fidelity``: print the per-post fidelity table; exit 1 when a row fails."""

from __future__ import annotations

import argparse
import json
import sys

from tests.fidelity.report import FORMATS, fidelity_report, format_table, report_json


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fidelity", description=__doc__)
    parser.add_argument("--format", choices=FORMATS, action="append",
                        help="body format to check (default: all)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print rows as JSON")
    args = parser.parse_args(argv)
    rows = fidelity_report(tuple(args.format or FORMATS))
    print(json.dumps(report_json(rows), indent=1) if args.json else format_table(rows))
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
