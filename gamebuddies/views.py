"""Cross-cutting endpoints: liveness for load balancers and test harnesses."""

from django.db import connection
from django.http import JsonResponse


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
