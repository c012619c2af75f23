from django.urls import path

from dashboards import api, views

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", views.dashboard, name="home"),
    path("dashboard/export.xlsx", views.dashboard_export, name="export-home"),
    path("dashboard/export.csv", views.dashboard_export, {"extension": "csv"},
         name="export-home-csv"),
    path("dashboard/<str:code>/", views.dashboard, name="area"),
    path("dashboard/<str:code>/export.xlsx", views.dashboard_export, name="export"),
    path("dashboard/<str:code>/export.csv", views.dashboard_export, {"extension": "csv"},
         name="export-csv"),
]
api_urlpatterns = [
    path("stats/cases/", api.CaseStatsView.as_view(), name="stats-cases"),
    path("stats/cases/children/", api.CaseBreakdownView.as_view(), name="stats-cases-children"),
    path("stats/visits/", api.VisitStatsView.as_view(), name="stats-visits"),
]
