"""A test-only route: a request that commits, then loses its connection."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import include, path

from players.models import Player

from .pg import terminate_backend


def commit_then_lose_connection(request):
    with transaction.atomic():
        Player.objects.create(display_name="committed once")
    terminate_backend(connection.connection.info.backend_pid)
    Player.objects.count()  # the connection is gone: OperationalError
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/test/commit-then-lose-connection", commit_then_lose_connection),
    path("", include("gamebuddies.urls")),
]
