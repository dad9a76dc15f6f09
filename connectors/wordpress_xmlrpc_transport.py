"""XML-RPC calls to one WordPress site, and how their failures leave: the transport under
``connectors.wordpress_xmlrpc``.

Owns: the Python 3.10+ shim for python-wordpress-xmlrpc 2.3, an HTTP transport with timeouts
(requests), and ``XmlrpcCaller``: one call through the library's ``Client``, every failure
classified into a ``ConnectorError`` (WordPress reuses HTTP numbers as fault codes) and scrubbed
of the password, which XML-RPC sends in every request body.
"""

from __future__ import annotations

import collections
import collections.abc
import xmlrpc.client
from typing import Any
from xml.parsers.expat import ExpatError

import requests
from wordpress_xmlrpc import Client
from wordpress_xmlrpc.exceptions import (
    InvalidCredentialsError,
    ServerConnectionError,
    UnsupportedXmlrpcMethodError,
    XmlrpcDisabledError,
)

from connectors.failures import (
    ERROR_TYPES,
    ConnectorError,
    TerminalError,
    TransientError,
    classify_http_status,
    http_error,
)


def install_py311_compat() -> None:
    """Restore the one removed stdlib name python-wordpress-xmlrpc 2.3 still uses.

    A grep of the installed package finds three Python-2-era spots; only the first matters here:
      * ``base.py`` ``XmlrpcMethod.process_result`` tests ``isinstance(r, collections.Iterable)``
        whenever a method returns a list (``wp.getPosts``, ``wp.getOptions``...). The alias left
        ``collections`` in Python 3.10, so every such call raises AttributeError. We alias it back
        from ``collections.abc`` (same class object; idempotent). Importing is unaffected.
      * ``transports.py`` ``ProxiedTransport`` calls ``http.client.HTTP`` (gone since Python 3.0):
        never used, we pass our own transport.
      * ``wordpress.py`` ``__repr__`` shows ``b'...'``: cosmetic.
    site-packages is not edited; this mutates only the running interpreter's ``collections``.
    """
    if not hasattr(collections, "Iterable"):
        collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]


install_py311_compat()


DISABLED_TEXT = "XML-RPC services are disabled"
USE_REST_HINT = ("xmlrpc.php is disabled or blocked on this site; enable it, or use the REST "
                 "connector (connectors.wordpress_rest)")
CREDENTIALS_HINT = "check the WordPress user and application password"
PERMISSION_HINT = "the WordPress user lacks the capability (edit_posts / edit_post) for this"


class RequestsTransport(xmlrpc.client.Transport):
    """Sends XML-RPC over a requests session: timeouts, proxies from the environment, and HTTP
    errors surfacing as ``ProtocolError`` with their status, like the stdlib transport's."""

    def __init__(self, endpoint: str, session: requests.Session, timeout: float) -> None:
        super().__init__()
        self.endpoint = endpoint
        self.session = session
        self.timeout = timeout

    def request(self, host: Any, handler: Any, request_body: Any, verbose: bool = False) -> Any:
        response = self.session.post(self.endpoint, data=request_body, timeout=self.timeout,
                                     headers={"Content-Type": "text/xml"})
        if response.status_code != 200:
            raise xmlrpc.client.ProtocolError(self.endpoint, response.status_code,
                                              response.reason or "", dict(response.headers))
        parser, unmarshaller = self.getparser()
        parser.feed(response.content)
        parser.close()
        return unmarshaller.close()


class XmlrpcCaller:
    """Calls xmlrpc.php as one user; every failure leaves classified and without the password."""

    def __init__(self, endpoint: str, user: str, app_password: str, session: requests.Session,
                 timeout: float) -> None:
        self.endpoint, self.user, self._password = endpoint, user, app_password
        self.transport = RequestsTransport(endpoint, session, timeout)
        self._client: Client | None = None

    def call(self, method: Any, what: str) -> Any:
        try:
            if self._client is None:  # the library asks mt.supportedMethods on construction
                self._client = Client(self.endpoint, self.user, self._password,
                                      transport=self.transport)
            return self._client.call(method) if method is not None else None
        except Exception as exc:  # noqa: BLE001 - everything leaves classified
            error = self._classify(exc, what)
        # Raised outside the except block on purpose: no chained original, whose text (a fault
        # string, a library repr) could carry the password into a log.
        raise error

    def supported_methods(self) -> list[str]:
        self.call(None, "connecting over XML-RPC")
        return list(getattr(self._client, "supported_methods", None) or [])

    def _classify(self, exc: Exception, what: str) -> ConnectorError:
        if isinstance(exc, ServerConnectionError) and exc.__context__ is not None:
            exc = exc.__context__  # the ProtocolError it wraps
        if isinstance(exc, InvalidCredentialsError):
            return self._fault_error(403, str(exc), what)
        if isinstance(exc, XmlrpcDisabledError):
            return self._fault_error(405, str(exc), what)
        if isinstance(exc, xmlrpc.client.Fault):
            return self._fault_error(int(exc.faultCode), str(exc.faultString), what)
        if isinstance(exc, xmlrpc.client.ProtocolError):
            error = http_error(exc.errcode, f"{what} (POST {self.endpoint})",
                               (exc.headers or {}).get("Retry-After"))
            if exc.errcode in (403, 404, 405):  # WordPress itself answers faults with HTTP 200
                error = TerminalError(f"{what} (POST {self.endpoint}): HTTP {exc.errcode} "
                                      f"({USE_REST_HINT})")
            return self._scrubbed(error)
        if isinstance(exc, UnsupportedXmlrpcMethodError):
            return TerminalError(f"{what}: the site does not offer XML-RPC method {exc} "
                                 f"({USE_REST_HINT})")
        if isinstance(exc, requests.RequestException | OSError):
            return TransientError(f"{what}: {type(exc).__name__} reaching {self.endpoint}")
        if isinstance(exc, ExpatError | xmlrpc.client.ResponseError):
            return TransientError(f"{what}: {self.endpoint} answered with something that is "
                                  f"not XML-RPC (a security plugin or proxy page?)")
        return TerminalError(self._scrub(f"{what}: {type(exc).__name__}: {exc}"))

    def _fault_error(self, code: int, text: str, what: str) -> ConnectorError:
        """WordPress reuses HTTP numbers as fault codes (403 bad login, 404 no such post,
        500 insert failed...); XML-RPC spec faults (-32xxx) are the server refusing the call."""
        message = f"{what}: XML-RPC fault {code}: {text}"
        if DISABLED_TEXT in text or code == 405:
            return self._error(TerminalError, f"{message} ({USE_REST_HINT})")
        if code in (401, 403):
            hint = CREDENTIALS_HINT if "username or password" in text else PERMISSION_HINT
            return self._error(TerminalError, f"{message} ({hint})")
        if 100 <= code <= 599:
            rule = classify_http_status(code)
            return self._error(ERROR_TYPES[rule.failure], message, rule.retry_after)
        return self._error(TerminalError, message)

    def _error(self, error_type: type[ConnectorError], message: str,
               retry_after: float | None = None) -> ConnectorError:
        return error_type(self._scrub(message), retry_after=retry_after)

    def _scrub(self, text: str) -> str:
        for secret in {self._password, self._password.replace(" ", "")}:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _scrubbed(self, error: ConnectorError) -> ConnectorError:
        return self._error(type(error), error.message, error.retry_after)
