"""What the tests' small HTTP stand-ins (a slow WordPress, a counting proxy) answer with."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


def send_json(handler: BaseHTTPRequestHandler, body: bytes, *, status: int = 200,
              wordpress_pages: bool = False) -> None:
    """Answer ``handler``'s request with the JSON ``body`` (and WordPress's one-page header)."""
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    if wordpress_pages:
        handler.send_header("X-WP-TotalPages", "1")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
