"""The engine loads no connector library: importing it brings in only the standard library and
our bridge/mappings code, so beem (the one chain client, behind connectors/steem.py), requests and
the XML-RPC client stay out of it. The import-linter contracts in pyproject.toml check the static
layering (`make lint`); this checks what an import really loads, in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
before = set(sys.modules)
import bridge.engine
loaded = {name.split(".")[0] for name in set(sys.modules) - before}
print(json.dumps(sorted(loaded - set(sys.stdlib_module_names))))
"""

CONNECTOR_LIBRARIES = {"beem", "beemapi", "beembase", "beemgraphenebase", "beemstorage",
                       "requests", "wordpress_xmlrpc", "urllib3"}


def _third_party_loaded_by_engine() -> set[str]:
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           check=True, timeout=60)
    return set(json.loads(probe.stdout))


def test_importing_the_engine_loads_no_chain_or_http_client() -> None:
    loaded = _third_party_loaded_by_engine()
    assert loaded & CONNECTOR_LIBRARIES == set()


def test_beem_assertion_as_written_in_the_issue() -> None:
    subprocess.run([sys.executable, "-c",
                    "import bridge.engine, sys; assert 'beem' not in sys.modules"],
                   check=True, timeout=60)
