from typing import Any

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseBase
from django.urls import include, path
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import cases.urls
import centres.urls
import contacts.urls
import dashboards.urls
import demonstration.urls
import teams.urls
import veterans.urls
from centres.views import favicon, home
from config.health import health

# Every app lists its REST routes; they share one /api/v1/ namespace.
api_v1 = [
    *centres.urls.api_urlpatterns,
    *veterans.urls.api_urlpatterns,
    *cases.urls.api_urlpatterns,
    *demonstration.urls.api_urlpatterns,
    *teams.urls.api_urlpatterns,
    *contacts.urls.api_urlpatterns,
    *dashboards.urls.api_urlpatterns,
]


class SchemaView(SpectacularAPIView):
    """`/api/schema/`, generated and rendered in English whatever the caller's language."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render):
                render()
        return response


# Swagger UI with its start-up script served as a file (the CSP allows no inline script).
api_docs = SpectacularSwaggerSplitView.as_view(url_name="schema")

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("", include("centres.urls")),
    path("", include("veterans.urls")),
    path("", include("veterans.visit_urls")),
    path("", include("cases.urls")),
    path("", include("demonstration.urls")),
    path("", include("teams.urls")),
    path("", include("contacts.urls")),
    path("", include("dashboards.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
