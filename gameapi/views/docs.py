"""The OpenAPI schema and the Swagger UI page, logged like every other API request."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ..base import RequestLogMixin


class SchemaView(RequestLogMixin, SpectacularAPIView):
    pass


class DocsView(RequestLogMixin, SpectacularSwaggerSplitView):
    """Split view: Swagger UI comes from our static files (sidecar) and its init script from a
    URL, so the page works offline and under the strict CSP (no CDN, no inline script or style)."""

    url_name = "gameapi:schema"
    template_name = "gameapi/swagger_ui.html"
