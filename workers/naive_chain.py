"""Sending one mention through the naive baseline: a Celery chain of four per-mention tasks."""

from __future__ import annotations

from typing import Any

from celery import chain

from workers.app import app


def send(mention: dict[str, Any]) -> None:
    stages = ("normalize", "analyze", "triage", "persist")
    first, *rest = (app.signature(f"escucha.naive.{stage}") for stage in stages)
    chain(first.clone(args=(mention,)), *rest).apply_async()
