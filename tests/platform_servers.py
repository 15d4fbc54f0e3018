"""Local HTTP servers that play a platform (a blog's feed, Mastodon, X) over real sockets."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    method: str = "GET"
    body: bytes = b""

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body)


Route = Callable[[Seen], Reply]


class PlatformServer:
    """Serve `routes` (path → handler) on 127.0.0.1; every request is recorded in `seen`. A
    route ending in "/" also serves every path under it (the longest such prefix wins)."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer("GET")

            def do_POST(self) -> None:
                self._answer("POST")

            def do_PATCH(self) -> None:
                self._answer("PATCH")

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = Seen(parts.path, query, headers, method, body)
                server.seen.append(request)
                route = server.route(parts.path)
                reply = route(request) if route else Reply(404, b"not found")
                payload = reply.encoded()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> PlatformServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, path: str) -> Route | None:
        if path in self.routes:
            return self.routes[path]
        under = [p for p in self.routes if p.endswith("/") and path.startswith(p)]
        return self.routes[max(under, key=len)] if under else None

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def conditional_feed(body: str, etag: str = '"v1"') -> Route:
    """A feed that answers 304 when the client already has this ETag."""

    def route(request: Seen) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304)
        headers = {"ETag": etag, "Last-Modified": "Fri, 20 Nov 2026 12:00:00 GMT",
                   "Content-Type": "application/atom+xml"}  # fmt: skip
        return Reply(200, body, headers)

    return route
