"""The session collector verifies every devnet handed to it, and names the devnet of a mismatch."""

from __future__ import annotations

import copy
from typing import Any

from tests.independent.collector import DevnetTxCollector
from tests.independent.test_steem_js import Session, _comment


def test_collector_checks_all_devnets_and_labels_mismatches(devnet: Any) -> None:
    from devnet.server import start_devnet

    second = start_devnet()
    try:
        for handle in (devnet, second):
            session = Session(handle.url)
            session.create("erinx")
            session.send("erinx", _comment("erinx", "post", "body"))
        collector = DevnetTxCollector()
        collector.add(devnet, label="first")
        collector.add(second, label="second")
        good = collector.verify()
        assert (good.checked, good.mismatches) == (4, [])

        tampered = copy.deepcopy(second.chain.accepted_transactions)
        tampered[1]["trx"]["operations"][0][1]["body"] = "changed"
        collector.sources[1].records = tampered
        bad = collector.verify()
    finally:
        second.stop()
    assert bad.checked == 4
    assert {(m["devnet"], m["index"]) for m in bad.mismatches} == {("second", 3)}
