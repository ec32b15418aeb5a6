"""The request guards of the lean path in one Redis round trip (a Lua script).

What `GameApiView.initial` and `code_lookup()` do with four to six cache calls, in one:
claim the Idempotency-Key or in-flight dedup slot (or learn what holds it), count the
request in its rate tier, read the client's room-code guessing count, and read the key's
generation (bumped whenever the key row changes, so a revoked key stops at once on every
process even though processes cache keys locally).

The keys and values are exactly those of the Django-cache paths (gamebuddies.aredis):
django-ratelimit's counter keys and windows, `gameapi.idempotency`'s records, so both
paths count in the same buckets and read each other's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django_ratelimit import core as ratelimit_core
from django_ratelimit.core import _get_window, _make_cache_key, _split_rate
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gamebuddies import aredis, metrics
from gamebuddies.errors import DuplicateRequestError, RateLimitedError
from gamebuddies.ratelimits import CODE_GUESS_GROUP

from .. import conf, idempotency
from ..selectors import key_generation_key

if TYPE_CHECKING:
    from rooms.broadcast import Publication

# django-ratelimit keeps counters for the window plus this many seconds.
_EXPIRATION_FUDGE = 5

_SCRIPT = """
local gen = redis.call('GET', KEYS[4]) or ''
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  return {0, redis.call('GET', KEYS[1]) or '', 0, 0, gen}
end
local n
if redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[3]) then n = 1 else n = redis.call('INCR', KEYS[2]) end
if n > tonumber(ARGV[4]) then
  redis.call('DEL', KEYS[1])
  return {-1, '', n, 0, gen}
end
if tonumber(ARGV[7]) > 0 then
  local q
  if redis.call('SET', KEYS[5], 1, 'NX', 'EX', ARGV[6]) then q = 1 else q = redis.call('INCR', KEYS[5]) end
  if q > tonumber(ARGV[7]) then
    redis.call('DEL', KEYS[1])
    return {-2, '', q, 0, gen}
  end
end
local g
if redis.call('SET', KEYS[3], 1, 'NX', 'EX', ARGV[5]) then g = 1 else g = tonumber(redis.call('GET', KEYS[3])) end
return {1, '', n, g, gen}
"""
_scripts: dict = {}


class RedisUnavailable(Exception):  # noqa: N818 - names the condition, like the errors it wraps
    """Redis did not answer the guards' script (down, restarting, too slow)."""


@dataclass
class _Counter:
    """A django-ratelimit bucket: its Redis key, limit, TTL and window end."""

    key: str
    limit: int
    ttl: int
    window: int

    @classmethod
    def of(cls, *, group: str, value: str, rate: str) -> _Counter:
        limit, period = _split_rate(rate)
        window = _get_window(value, period)
        key = aredis.key(_make_cache_key(group, window, rate, value, None))
        return cls(key=key, limit=limit, ttl=period + _EXPIRATION_FUDGE, window=window)

    def retry_after(self) -> int:
        # django-ratelimit's own clock, which its windows are cut from.
        return max(self.window - int(ratelimit_core.time.time()), 1)


@dataclass
class Claim:
    """A running request's idempotency/dedup slot: freed, or filled with the answer, by `finish`."""

    guard: idempotency.Guard
    redis_key: str

    async def finish(
        self,
        *,
        status: int,
        content_type: str,
        body: bytes,
        also_set: tuple | None = None,
        also_publish: Publication | None = None,
    ) -> None:
        """Free the slot or store the answer; `also_set` (key, value, seconds) and `also_publish`
        (a committed snapshot's broadcast) ride in the same round trip."""
        record = self.guard.record_for(status=status, content_type=content_type, body=body)
        try:
            async with aredis.client().pipeline(transaction=False) as pipe:
                if record is None:
                    pipe.delete(self.redis_key)
                else:
                    pipe.set(self.redis_key, aredis.dumps(record), ex=conf.idempotency_ttl_seconds())
                if also_set is not None:
                    key, value, seconds = also_set
                    pipe.set(key, value, ex=seconds)
                if also_publish is not None:
                    pipe.publish(also_publish.channel, also_publish.payload)
                await pipe.execute()
        except Exception as exc:
            if also_publish is not None:
                also_publish.done(sent=False, error=exc)
            raise
        if also_publish is not None:
            also_publish.done(sent=True)


@dataclass
class Admission:
    claim: Claim
    key_generation: bytes
    guess_counter: _Counter
    guesses: int

    def check_code_guessing(self) -> None:
        """`code_guessing_check`: refuse a client already over the guessing limit."""
        if self.guesses >= self.guess_counter.limit:
            raise RateLimitedError(retry_after=self.guess_counter.retry_after())


async def admit(
    *,
    method: str,
    path: str,
    body: bytes,
    api_key_id: int,
    raw_api_key: str,
    idempotency_header: str | None,
    tier_group: str,
    tier_value: str,
    tier_rate: str,
    client_ip: str,
    quota: tuple[str, str] | None = None,
) -> Admission:
    """Claim the slot and count the tier in one round trip; raises as GameApiView.initial would.

    `quota`: (group, rate) of the key's overall quota this request also counts in
    (gameapi/throttles.py's writes per minute), in the same script.
    """
    guard, timeout = idempotency.new_guard(
        method=method, path=path, body=body, api_key_id=api_key_id, raw_api_key=raw_api_key, header=idempotency_header
    )
    rate = _Counter.of(group=tier_group, value=tier_value, rate=tier_rate)
    guess = _Counter.of(group=CODE_GUESS_GROUP, value=client_ip, rate=settings.ROOM_CODE_GUESS_RATE)
    overall = _Counter.of(group=quota[0], value=str(api_key_id), rate=quota[1]) if quota else None
    claim = Claim(guard=guard, redis_key=aredis.key(guard.cache_key))
    in_flight = aredis.dumps(idempotency.in_flight_record(guard))
    script = _script(_SCRIPT)
    for _ in range(2):  # a record that expires between SET NX and GET gets one more try
        try:
            outcome, record, count, guesses, generation = await script(
                keys=[
                    claim.redis_key,
                    rate.key,
                    guess.key,
                    aredis.key(key_generation_key(api_key_id)),
                    overall.key if overall else rate.key,  # unused without a quota
                ],
                args=[
                    in_flight,
                    timeout,
                    rate.ttl,
                    rate.limit,
                    guess.ttl,
                    overall.ttl if overall else 0,
                    overall.limit if overall else 0,
                ],
            )
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise RedisUnavailable() from exc
        if outcome == 1:
            return Admission(claim=claim, key_generation=generation, guess_counter=guess, guesses=int(guesses))
        if outcome == -1:
            raise RateLimitedError(retry_after=rate.retry_after())
        if outcome == -2:
            metrics.rate_limited.labels(quota[0].removeprefix("gameapi:")).inc()
            raise RateLimitedError(retry_after=overall.retry_after())
        if record:
            idempotency.raise_for_existing(guard, aredis.loads(record))
    raise DuplicateRequestError()


_MISS_SCRIPT = """
local n
if redis.call('SET', KEYS[1], 1, 'NX', 'EX', ARGV[1]) then n = 1 else n = redis.call('INCR', KEYS[1]) end
return n
"""


def _script(source: str):
    redis = aredis.client()
    script = _scripts.get((id(redis), source))
    if script is None:
        script = _scripts[(id(redis), source)] = redis.register_script(source)
    return script


async def record_code_miss(*, client_ip: str) -> None:
    """`code_guessing_record_miss`: count an unknown code; past the limit this answer is 429 too."""
    counter = _Counter.of(group=CODE_GUESS_GROUP, value=client_ip, rate=settings.ROOM_CODE_GUESS_RATE)
    count = await _script(_MISS_SCRIPT)(keys=[counter.key], args=[counter.ttl])
    if count > counter.limit:
        raise RateLimitedError(retry_after=counter.retry_after())
