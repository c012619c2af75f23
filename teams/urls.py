from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from teams import api

app_name = "teams"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("village-cadres", api.VillageCadreViewSet, basename="village-cadre")
router.register("teams", api.TeamViewSet, basename="team")
router.register("service-records", api.ServiceRecordViewSet, basename="service-record")

urlpatterns: list[URLPattern | URLResolver] = []
api_urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("stats/teams/", api.TeamStatsView.as_view(), name="stats-teams"),
]
