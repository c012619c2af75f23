from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from teams import api, views

app_name = "teams"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("village-cadres", api.VillageCadreViewSet, basename="village-cadre")
router.register("teams", api.TeamViewSet, basename="team")
router.register("service-records", api.ServiceRecordViewSet, basename="service-record")

urlpatterns: list[URLPattern | URLResolver] = [
    path("teams/", views.team_index, name="index"),
    path("teams/<int:pk>/", views.team_detail, name="detail"),
    path("teams/<int:pk>/records.csv", views.team_export, name="export"),
    path("teams/<int:pk>/<slug:action>/", views.team_act, name="act"),
    path("teams/certificates/<int:pk>/", views.certificate, name="certificate"),
    path("teams/roster/", views.roster_home, name="roster_home"),
    path("teams/roster/<str:code>/", views.roster_page, name="roster"),
    path("teams/cadres/<int:pk>/", views.cadre_page, name="cadre"),
    path("teams/call-ups/<int:pk>/", views.call_up_page, name="call_up"),
    path("teams/answer/<str:token>/", views.call_up_answer_page, name="answer"),
]
api_urlpatterns: list[URLPattern | URLResolver] = [
    *router.urls,
    path("stats/teams/", api.TeamStatsView.as_view(), name="stats-teams"),
]
