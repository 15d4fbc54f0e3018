"""Things that start and stop, usable as `with Thing(...) as thing:`."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Lifecycle:
    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
