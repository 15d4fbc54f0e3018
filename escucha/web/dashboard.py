"""The dashboard page: volume and sentiment over time, share of voice, SLA compliance,
response times, complaint recovery and open incidents, for the agent's tenant."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
