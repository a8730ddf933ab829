"""Counting events per client in fixed windows, in the cache kept for limits.

`hit()` counts one event and returns the count so far in the current window. On Redis it is
one round trip, INCR and EXPIRE in a MULTI/EXEC transaction, so a key can never outlive its
window (Django's `cache.incr()` is EXISTS then INCR: a key that expires between the two is
recreated by INCR with no expiry, and the counter would live for ever). The window number is
part of the key, so an old window's count is never read again either way.
"""

import ipaddress
import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest


class CounterUnavailable(Exception):
    """The cache that holds the counters did not answer."""


@dataclass(frozen=True)
class Count:
    count: int
    retry_after: int  # seconds until this window ends


def client_address(request: HttpRequest) -> str:
    """The client, as the ASGI scope names it (ops.asgi.TrustedProxies has already read
    X-Forwarded-For from trusted proxies into it), as a key for limits."""
    return client_key(request.META.get("REMOTE_ADDR") or "unknown")


def client_key(address: str) -> str:
    """An IPv4 address as it is; an IPv6 address as its /64, the block one subscriber is
    usually given (each of its 2**64 addresses must not be a client of its own)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def hit(key: str, window: int, *, now: float | None = None) -> Count:
    now = time.time() if now is None else now
    bucket = int(now // window)
    full = f"{key}:{bucket}"
    retry = max(1, math.ceil((bucket + 1) * window - now))
    cache = caches["limits"]
    try:
        if isinstance(cache, RedisCache):
            redis_key = cache.make_and_validate_key(full)
            client = cache._cache.get_client(redis_key, write=True)
            with client.pipeline(transaction=True) as pipe:
                count, _ = pipe.incr(redis_key).expire(redis_key, window + 1).execute()
            return Count(int(count), retry)
        # The local-memory cache increments under its own lock.
        cache.add(full, 0, timeout=window + 1)
        try:
            return Count(cache.incr(full), retry)
        except ValueError:  # expired between add and incr
            cache.add(full, 1, timeout=window + 1)
            return Count(1, retry)
    except Exception as exc:  # e.g. redis.ConnectionError: nothing can be counted
        raise CounterUnavailable(str(exc)) from exc


def peek(key: str, window: int) -> int:
    """The count so far in the current window, without counting."""
    bucket = int(time.time() // window)
    cache = caches["limits"]
    try:
        if isinstance(cache, RedisCache):
            redis_key = cache.make_and_validate_key(f"{key}:{bucket}")
            value = cache._cache.get_client(redis_key).get(redis_key)
            return int(value or 0)
        return int(cache.get(f"{key}:{bucket}", 0))
    except Exception as exc:
        raise CounterUnavailable(str(exc)) from exc


def forget(key: str, window: int) -> None:
    bucket = int(time.time() // window)
    cache = caches["limits"]
    if isinstance(cache, RedisCache):
        redis_key = cache.make_and_validate_key(f"{key}:{bucket}")
        cache._cache.get_client(redis_key, write=True).delete(redis_key)
    else:
        cache.delete(f"{key}:{bucket}")
