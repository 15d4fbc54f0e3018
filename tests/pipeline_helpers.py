"""A pipeline context whose dispatches are recorded instead of sent, for broker-free tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from escucha.context import PipelineContext


@dataclass
class Recorder:
    sent: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def __call__(self, stage: str, batch_id: str, ids: list[str]) -> None:
        self.sent.append((stage, batch_id, list(ids)))

    def ids_for(self, stage: str) -> list[str]:
        return [i for s, _, ids in self.sent if s == stage for i in ids]


def recording_context(redis_url: str, batch_size: int = 100) -> tuple[PipelineContext, Recorder]:
    recorder = Recorder()
    return PipelineContext.connect(redis_url, recorder, batch_size=batch_size, ttl_s=3600), recorder
