from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from demonstration import api, views

app_name = "demonstration"

urlpatterns: list[URLPattern | URLResolver] = [
    path("demonstration/targets/", views.targets, name="targets"),
    path("demonstration/assessments/", views.assessment_list, name="assessments"),
    path("demonstration/assessments/start/", views.assessment_start, name="assessment_start"),
    path("demonstration/assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path(
        "demonstration/assessments/<int:pk>/<str:action>/",
        views.assessment_transition,
        name="assessment_transition",
    ),
    path(
        "demonstration/evidence/<int:pk>/", views.evidence_download, name="evidence"
    ),
    path(
        "demonstration/designations/<int:pk>/revoke/",
        views.designation_revoke_view,
        name="designation_revoke",
    ),
]

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("designations", api.DesignationViewSet, basename="designation")
router.register("assessments", api.AssessmentViewSet, basename="assessment")

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("stats/targets/", api.TargetStatsView.as_view(), name="stats-targets"),
    path("stats/targets/summary/", api.TargetSummaryView.as_view(),
         name="stats-targets-summary"),
    *router.urls,
]
