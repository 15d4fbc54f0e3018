"""Who acts, for the logs of cases and incidents: the agent the calling app names, else the key.

The calling app (the inbox) signs its agents in and names them in `X-Escucha-Agent`; the
name is prefixed, so no header can pass for the API key itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header


def actor(x_escucha_agent: Annotated[str | None, Header(max_length=64)] = None) -> str:
    return f"agent:{x_escucha_agent}" if x_escucha_agent else "api"


Actor = Annotated[str, Depends(actor)]
