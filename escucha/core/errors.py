"""Which failures are the infrastructure's, not the data's: those are retried, not dead-lettered.

The pipeline retries a whole batch on these; a stage's transform re-raises them rather than
blaming the record it was working on.
"""

from __future__ import annotations

import redis
from sqlalchemy.exc import OperationalError

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    OperationalError,
)
