from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from veterans import api, views

app_name = "veterans"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("veterans", api.VeteranViewSet, basename="veteran")
router.register("visits", api.VisitViewSet, basename="visit")

urlpatterns: list[URLPattern | URLResolver] = [
    path("veterans/", views.veteran_list, name="list"),
    path("veterans/new/", views.veteran_new, name="new"),
    path("veterans/export.xlsx", views.veteran_export, name="export"),
    path("veterans/<int:pk>/", views.veteran_detail, name="detail"),
    path("veterans/<int:pk>/edit/", views.veteran_edit, name="edit"),
    path("veterans/transfers/", views.transfer_list, name="transfers"),
    path("veterans/transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
    path("veterans/import/", views.import_start, name="import"),
    path("veterans/import/template.xlsx", views.import_template, name="import_template"),
    path("veterans/import/<int:pk>/", views.import_job, name="import_job"),
    path("veterans/import/<int:pk>/progress/", views.import_job_progress,
         name="import_progress"),
    path("veterans/import/<int:pk>/errors.xlsx", views.import_job_errors, name="import_errors"),
]
api_urlpatterns: list[URLPattern | URLResolver] = list(router.urls)
