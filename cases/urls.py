from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from cases import api, views

app_name = "cases"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("cases", api.CaseViewSet, basename="case")

urlpatterns: list[URLPattern | URLResolver] = [
    path("cases/", views.queue, name="queue"),
    path("cases/new/", views.new, name="new"),
    path("cases/<int:pk>/", views.detail, name="detail"),
    path("cases/<int:pk>/agreement/", views.agreement, name="agreement"),
    path("cases/<int:pk>/<slug:action>/", views.act, name="act"),
]
api_urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
]
