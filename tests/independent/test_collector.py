"""The session collector verifies every devnet handed to it (steem-js and wax), and names the devnet of a mismatch."""

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
        good_wax = collector.verify_wax()
        assert (good_wax.checked, good_wax.mismatches, good_wax.invalid) == (4, [], [])
        assert collector.kinds() == {"account_create", "comment"}

        tampered = copy.deepcopy(second.chain.accepted_transactions)
        tampered[1]["trx"]["operations"][0][1]["body"] = "changed"
        collector.sources[1].records = tampered
        bad = collector.verify()
        bad_wax = collector.verify_wax()
    finally:
        second.stop()
    assert bad.checked == 4
    assert {(m["devnet"], m["index"]) for m in bad.mismatches} == {("second", 3)}
    assert {(m["devnet"], m["index"]) for m in bad_wax.mismatches} == {("second", 3)}
