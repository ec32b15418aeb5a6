from django.contrib import admin
from django.urls import include, path

from gameapi.compat.urls import site_urlpatterns as compat_site_urls
from gamebuddies.admin_security import admin_login
from gamebuddies.views import healthz, metrics, readyz

urlpatterns = [
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="prometheus-metrics"),
    # The footer's language switch posts to set_language, which keeps the choice in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    # Routes of the original GameBuddies that existing games call (docs/compatibility.md).
    *compat_site_urls,
    path("", include("rooms.urls")),
    path("api/v2/", include("gameapi.urls")),
    path("games/", include("demo.urls")),
]
