"""Whether a destination points inside the installation's own network.

A tenant chooses where its alerts go; unchecked, a webhook to 127.0.0.1 or 169.254.169.254
would let a tenant make escucha call its own internal services (server-side request forgery).
Such hosts are refused unless the installation allows them (tests, a LAN chat server).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from escucha.insight.alerts.destination import Destination, Email, Telegram


def host_of(destination: Destination) -> str:
    if isinstance(destination, Email):
        return destination.host.strip("[]")
    url = destination.api_url if isinstance(destination, Telegram) else destination.url
    return urlsplit(url).hostname or ""


def internal_address(host: str) -> str | None:
    """The first address `host` resolves to that is loopback, private, link-local or reserved;
    None when every one is public. A name that does not resolve is not refused here: sending
    will say so, and a destination may be added before its DNS is live."""
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return None
    for address in sorted(found):
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global or ip.is_multicast:
            return address
    return None
