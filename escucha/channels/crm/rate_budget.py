"""One HubSpot portal's rate limit, kept in Redis and shared by every worker that calls it.

HubSpot lets a private app make a burst of requests per rolling window in each portal (100 per
10 s on Free and Starter, 190 on Professional and Enterprise, 250 with the API limit increase)
and answers 429 beyond it. The budget is a bucket of `capacity` tokens in which each token
comes back one window after it was spent: no window of `interval_s` ever holds more than
`capacity` calls, which a bucket refilled at a steady rate cannot promise (it lets a full
bucket's burst and then the refill through in one window, up to twice the limit).

Invariant: the tokens out are the members of one sorted set, each scored with when it comes
back (Unix seconds, the workers' clocks); taking one, lowering the bucket and holding it are
each one Lua script, so two workers never spend the same token. HubSpot's word wins over the
bucket's: when an answer's Remaining (or Daily-Remaining) is below what the bucket holds, the
bucket is lowered to it, those tokens coming back a window later; a 429 holds every token until
its Retry-After.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping

import redis

from escucha.core import keys
from escucha.core.errors import RateLimited

CAPACITY = 100  # a Free or Starter portal's burst; 190 on Professional and Enterprise
INTERVAL_S = 10.0
REMAINING = "x-hubspot-ratelimit-remaining"
DAILY_REMAINING = "x-hubspot-ratelimit-daily-remaining"  # absent for OAuth apps: no daily limit
INTERVAL_MS = "x-hubspot-ratelimit-interval-milliseconds"

# Both scripts: KEYS[1] is the set of tokens out, scored with when each comes back; ARGV[1] is
# now. A token back by now is dropped first; the key expires a second after the last comes back.
EXPIRE = """
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(last[2]) - now) * 1000) + 1000)
end
"""
# ARGV: now, capacity, when a token taken now comes back, its member. Returns '0' when a token
# was taken, else the seconds until the one a call would need comes back.
TAKE = (
    """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = redis.call('ZCARD', KEYS[1])
local capacity = tonumber(ARGV[2])
if out < capacity then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
"""
    + EXPIRE
    + """
  return '0'
end
local next = redis.call('ZRANGE', KEYS[1], out - capacity, out - capacity, 'WITHSCORES')
return tostring(tonumber(next[2]) - now)
"""
)
# ARGV: now, capacity, tokens to keep, when the others come back, a member prefix, and '1' to
# hold: no token out comes back before then either. Returns how many tokens were spent.
SPEND = (
    """
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if ARGV[6] == '1' then
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])) do
    redis.call('ZADD', KEYS[1], ARGV[4], member)
  end
end
local spend = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
for i = 1, spend do
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[5] .. i)
end
"""
    + EXPIRE
    + """
return math.max(spend, 0)
"""
)


class RateBudget:
    """The calls one portal may still take; `account` is 'hubspot:<portal id>'."""

    def __init__(self, client: redis.Redis, account: str, capacity: int = CAPACITY,
                 interval_s: float = INTERVAL_S, clock: Callable[[], float] = time.time
                 ) -> None:  # fmt: skip
        self.redis = client
        self.account = account
        self.key = keys.crm_budget(account)
        self.capacity = capacity
        self.interval_s = interval_s
        self.clock = clock
        self._take = client.register_script(TAKE)
        self._spend = client.register_script(SPEND)

    def take(self) -> float:
        """Take a token for one call: 0.0 when taken, else the seconds until one comes back."""
        now = self.clock()
        args = [repr(now), self.capacity, repr(now + self.interval_s), uuid.uuid4().hex]
        return max(0.0, float(keys.as_text(self._take(keys=[self.key], args=args))))

    def acquire(self) -> None:
        """Take a token before a call, or raise RateLimited saying when one comes back."""
        wait = self.take()
        if wait > 0:
            raise RateLimited(f"{self.account}: its rate budget is spent for now",
                              self.clock() + wait)  # fmt: skip

    def wait(self) -> float:
        """Seconds until a call may go, taking nothing: 0.0 when one may go now."""
        now = self.clock()
        out = self.redis.zrangebyscore(self.key, f"({now!r}", "+inf", withscores=True)
        if len(out) < self.capacity:
            return 0.0
        return max(0.0, float(out[len(out) - self.capacity][1]) - now)

    def learn(self, headers: Mapping[str, str]) -> None:
        """Hold no more tokens than an answer's Remaining (or Daily-Remaining) says are left."""
        said = {name.lower(): value for name, value in headers.items()}
        counts = (_count(said, REMAINING), _count(said, DAILY_REMAINING))
        left = [n for n in counts if n is not None]
        if not left or min(left) >= self.capacity:
            return
        # HubSpot's own tokens come back within its window; ours a whole window from now.
        window_ms = _count(said, INTERVAL_MS) or 0
        self._lower(min(left), self.clock() + max(self.interval_s, window_ms / 1000), hold=False)

    def hold_until(self, at: float) -> None:
        """After a 429: no call from any worker before `at`."""
        self._lower(0, at, hold=True)

    def _lower(self, keep: int, at: float, hold: bool) -> None:
        args = [repr(self.clock()), self.capacity, keep, repr(at), f"{uuid.uuid4().hex}:",
                "1" if hold else "0"]  # fmt: skip
        self._spend(keys=[self.key], args=args)


def _count(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name, "").strip()
    return int(value) if value.isdigit() else None
