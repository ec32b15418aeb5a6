"""Cache backends that report django-prometheus's cache metrics.

django-prometheus's own backends cannot be used here: its Redis one is built on
django-redis (not installed: ours is Django's RedisCache, shared per process by
gamebuddies/cache.py), and its local-memory one returns the default for any cached
falsy value. The mixin counts the same metrics (django_cache_get_total,
django_cache_get_hits_total, django_cache_get_misses_total, django_cache_get_fail_total)
around any backend's get().
"""

from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

from gamebuddies.cache import SharedRedisCache

_MISSING = object()


class CacheMetricsMixin:
    metrics_backend = "unknown"

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=self.metrics_backend).inc()
        try:
            value = super().get(key, _MISSING, version=version)
        except Exception:
            django_cache_get_fail_total.labels(backend=self.metrics_backend).inc()
            raise
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_backend).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_backend).inc()
        return value


class InstrumentedSharedRedisCache(CacheMetricsMixin, SharedRedisCache):
    metrics_backend = "redis"


class InstrumentedLocMemCache(CacheMetricsMixin, LocMemCache):
    metrics_backend = "locmem"
