"""Headers every answer carries, and pages also: no framing, no sniffing, no caching.

A pure ASGI middleware (not Starlette's BaseHTTPMiddleware), so the inbox's event stream
keeps streaming and still hears its client leave.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALWAYS = (
    (b"x-frame-options", b"DENY"),  # no page of ours inside another site's frame
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)
# A page may show a customer's words or an agent's data: never kept by the browser or a proxy
# for the next person at a shared computer.
PAGE = ((b"cache-control", b"no-store"),)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = with_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, sending)


def with_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer's own headers, and ours where it set none of the same name."""
    named = {name.lower() for name, _ in headers}
    html = any(n.lower() == b"content-type" and v.startswith(b"text/html") for n, v in headers)
    extra = ALWAYS + (PAGE if html else ())
    return headers + [(name, value) for name, value in extra if name not in named]
