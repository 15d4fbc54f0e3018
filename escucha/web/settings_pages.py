"""The settings pages for admins: hours and holidays, SLA policies, agents and shifts,
alert destinations, channels, tone guide, API keys; admins invite agents."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
