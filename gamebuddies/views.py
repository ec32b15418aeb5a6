"""Cross-cutting endpoints: liveness and readiness for load balancers, metrics for the scraper."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from gamebuddies.readiness import readiness


@never_cache
def healthz(request):
    """Liveness: no I/O, 200 while the process can answer at all (restart it if this fails)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Readiness: 200 when PostgreSQL (and Redis, when configured) answer; 503 naming what is down."""
    ready, checks = readiness()
    if ready:
        return JsonResponse({"status": "ready", "checks": checks})
    response = JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    response["Retry-After"] = "5"
    return response


def metrics(request):
    """Prometheus metrics, for the scraper only: loopback or METRICS_ALLOWED_IPS."""
    from django.conf import settings
    from django.http import HttpResponse, HttpResponseForbidden
    from prometheus_client import CONTENT_TYPE_LATEST

    from gamebuddies.metrics import exposition
    from gamebuddies.ratelimits import client_ip

    if client_ip(request) not in settings.METRICS_ALLOWED_IPS:
        return HttpResponseForbidden("metrics are not public")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
