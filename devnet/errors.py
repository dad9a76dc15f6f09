"""fc-style exceptions and their JSON-RPC rendering.

steemd builds ``error.message`` as ``fc::exception::to_string()`` = ``what() + ":" + formatted log``
(steem ``libraries/fc/src/exception.cpp:177``); ``FC_ASSERT(TEST, msg)`` logs ``"#TEST: msg"``
(``libraries/fc/include/fc/exception/exception.hpp:336``). The JSON-RPC plugin answers
``{code, message, data: {code, name, message, stack}}``
(``libraries/plugins/json_rpc/json_rpc_plugin.cpp``).
"""

from __future__ import annotations

from typing import Any

JSON_RPC_SERVER_ERROR = -32000
JSON_RPC_PARSE_PARAMS_ERROR = -32002
JSON_RPC_ERROR_DURING_CALL = -32003
JSON_RPC_INVALID_REQUEST = -32600
JSON_RPC_PARSE_ERROR = -32700

# (fc code, fc name, what()) from fc exception.hpp, protocol/exceptions.hpp, chain/database_exceptions.hpp
ASSERT = (10, "assert_exception", "Assert Exception")
UNKNOWN_KEY = (13, "std_exception", "unknown key")
MISSING_ACTIVE = (3010000, "tx_missing_active_auth", "missing required active authority")
MISSING_OWNER = (3020000, "tx_missing_owner_auth", "missing required owner authority")
MISSING_POSTING = (3030000, "tx_missing_posting_auth", "missing required posting authority")
IRRELEVANT_SIG = (3050000, "tx_irrelevant_sig", "irrelevant signature included")
DUPLICATE_SIG = (3060000, "tx_duplicate_sig", "duplicate signature included")
EXPIRATION = (4030100, "transaction_expiration_exception", "transaction expiration exception")
TAPOS = (4030200, "transaction_tapos_exception", "transaction tapos exception")
PLUGIN = (4100000, "plugin_exception", "plugin exception")


class ChainError(Exception):
    """An fc exception: ``kind`` is one of the tuples above, ``text`` the formatted log line."""

    def __init__(self, kind: tuple[int, str, str], text: str, rpc_code: int = JSON_RPC_SERVER_ERROR):
        self.kind = kind
        self.text = text
        self.rpc_code = rpc_code
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return f"{self.kind[2]}:{self.text}"

    def to_rpc(self) -> dict[str, Any]:
        code, name, what = self.kind
        stack = [{
            "context": {"level": "error", "file": "devnet", "line": 0, "method": "devnet",
                        "hostname": "", "thread_name": "th_a", "timestamp": "1970-01-01T00:00:00"},
            "format": self.text,
            "data": {},
        }]
        return {"code": self.rpc_code, "message": self.message,
                "data": {"code": code, "name": name, "message": what, "stack": stack}}


class RpcError(Exception):
    """A transport-level JSON-RPC error that is not an fc exception (jussi batch cap, bad JSON)."""

    def __init__(self, code: int, message: str, data: Any = None):
        self.code = code
        self.message = message
        self.data = data
        super().__init__(message)

    def to_rpc(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


def fc_assert(condition: bool, expression: str, message: str = "") -> None:
    """``FC_ASSERT(expression, message)``: raise with steemd's exact ``#TEST: msg`` text."""
    if not condition:
        raise ChainError(ASSERT, f"{expression}: {message}")


def unknown_key() -> ChainError:
    """chainbase ``get`` on a missing object (``std::out_of_range`` wrapped by fc)."""
    return ChainError(UNKNOWN_KEY, "unknown key: ")
