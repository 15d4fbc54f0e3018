"""The API as its own process beside real Celery workers and beat, for end-to-end suites."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from escucha.channels.signatures import sign_hex, x_digest
from escucha.ops.launcher import Launcher
from escucha.pipeline.stages import default_groups
from tests.api_server import free_port
from tests.processes import wait_until

WEBHOOK_SECRETS = {
    "ESCUCHA_META_APP_SECRET": "meta-app-secret",
    "ESCUCHA_X_CONSUMER_SECRET": "x-consumer-secret",
    "ESCUCHA_MASTODON_WEBHOOK_SECRET": "masto-secret",
}
# Each platform's signature header, and how it signs a body with the secret above.
SIGNERS: dict[str, tuple[str, Callable[[bytes], str]]] = {
    "/webhooks/meta": ("X-Hub-Signature-256", lambda b: sign_hex(b, "meta-app-secret")),
    "/webhooks/x": ("x-twitter-webhooks-signature", lambda b: x_digest("x-consumer-secret", b)),
    "/webhooks/mastodon": ("X-Hub-Signature", lambda b: sign_hex(b, "masto-secret")),
}


@contextmanager
def api_and_workers(root: Path, env: dict[str, str]) -> Iterator[tuple[httpx.Client, Launcher]]:
    """Workers (two stage children), beat and the API over `env`, until the API is healthy."""
    launcher = Launcher(env, root / "logs", default_groups(2), beat=True, supervise=True)
    launcher.start()
    try:
        port = free_port()
        launcher.start_api("127.0.0.1", port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            assert wait_until(lambda: healthy(client), 60), (root / "logs" / "api.log").read_text()
            yield client, launcher
    finally:
        launcher.stop()


def healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


def signed(client: httpx.Client, path: str, payload: Any) -> httpx.Response:
    """POST the payload to a webhook, signed as its platform signs."""
    body = json.dumps(payload).encode()
    header, sign = SIGNERS[path]
    return client.post(path, content=body, headers={header: sign(body)})
