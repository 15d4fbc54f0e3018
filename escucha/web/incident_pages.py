"""The incidents pages: each crisis with its explanation, acknowledge, the delivery log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
