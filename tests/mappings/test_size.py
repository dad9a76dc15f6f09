"""The size estimate is checked against beem's real binary serialization of the same operations."""

from __future__ import annotations

from dataclasses import replace

import pytest
from beembase import operations
from beembase.objects import Operation
from beembase.signedtransactions import Signed_Transaction

from bridge.model import Beneficiary, Intent
from mappings.posts import post_to_intent
from mappings.size import TRANSACTION_OVERHEAD, estimate_transaction_size, varint_size
from tests.mappings.seed_records import golden_context, load_seeds

SIGNATURE_BYTES = 65


def serialized_size(intent: Intent) -> int:
    """Bytes of the signed transaction beem would build (signature counted, not computed)."""
    built = []
    for name, payload in intent.operations:
        if name == "comment":
            built.append(Operation(operations.Comment(**payload)))
        else:
            built.append(Operation(operations.Comment_options(**payload, prefix="STM")))
    transaction = Signed_Transaction(
        ref_block_num=34294,
        ref_block_prefix=3707022213,
        expiration="2016-04-06T08:29:27",
        operations=built,
    )
    return len(bytes(transaction)) + SIGNATURE_BYTES


@pytest.mark.parametrize("case", sorted(load_seeds()))
def test_estimate_is_an_upper_bound_close_to_beem(case: str) -> None:
    ctx = replace(golden_context(), beneficiaries=(Beneficiary("zed", 100), Beneficiary("amy", 2)))
    intent = post_to_intent(load_seeds()[case], ctx, None)
    assert isinstance(intent, Intent)
    actual = serialized_size(intent)
    estimate = estimate_transaction_size(intent.operations)
    assert actual <= estimate <= actual + TRANSACTION_OVERHEAD


@pytest.mark.parametrize(("value", "size"), [(0, 1), (127, 1), (128, 2), (16383, 2), (16384, 3)])
def test_varint_size(value: int, size: int) -> None:
    assert varint_size(value) == size
