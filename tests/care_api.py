"""The API over a real socket with tenant "a" holding one complaint case and a connected X
channel: what the reply and canned-response tests start from."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from escucha.core.access import Role
from escucha.core.sealed import Sealer, new_key
from escucha.store.api_keys import ApiKeys
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.store import Store, make_engine
from tests.factories import triaged
from tests.security.conftest import Api, make_api


def complaint_api(redis_url: str, database_url: str, data_dir: Path, text: str
                  ) -> Iterator[tuple[Api, str, dict[str, str], Any]]:  # fmt: skip
    """(api, the case's id, a read key's headers, an engine on the store)."""
    for api in make_api(redis_url, database_url, data_dir=data_dir):
        store = Store.from_url(database_url)
        complaint = triaged(1, tenant="a", author="lucia_g", text=text)
        store.save([complaint])
        store.dispose()
        engine = make_engine(database_url)
        ChannelCredentials(engine, Sealer([new_key()])).connect("a", "x", "777", "token")
        _, reader = ApiKeys(engine).create("a", Role.read)
        yield api, complaint.triage.case_key, {"X-API-Key": reader}, engine
        engine.dispose()
