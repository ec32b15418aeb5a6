from django.contrib import admin
from django.urls import include, path

from gamebuddies.admin_security import admin_login
from gamebuddies.views import healthz, metrics, readyz

urlpatterns = [
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="prometheus-metrics"),
    path("", include("rooms.urls")),
    path("api/v2/", include("gameapi.urls")),
    path("games/", include("demo.urls")),
]
