"""When to restart a process that exited: at once the first time, then backing off.

A process that keeps dying (Redis refusing connections, a broken setting) must not be
restarted twice a second forever; one that stayed up a while is back to a quick restart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    first_s: float = 0.0
    base_s: float = 1.0
    cap_s: float = 30.0
    stable_s: float = 60.0  # up this long, and the next exit counts as the first again
    failures: int = 0
    started_at: float = 0.0

    def started(self, now: float) -> None:
        self.started_at = now

    def exited(self, now: float) -> float:
        """Record an exit; returns how long to wait before the restart."""
        if now - self.started_at >= self.stable_s:
            self.failures = 0
        self.failures += 1
        if self.failures == 1:
            return self.first_s
        return min(self.cap_s, self.base_s * 2 ** (self.failures - 2))
