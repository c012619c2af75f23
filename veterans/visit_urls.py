"""The visit pages, in their own `visits` namespace (`visits:new` is /visits/new/)."""

from django.urls import URLPattern, URLResolver, path

from veterans import views

app_name = "visits"

urlpatterns: list[URLPattern | URLResolver] = [
    path("visits/new/", views.visit_new, name="new"),
    path("visits/search/", views.veteran_search, name="search"),
    path("visits/export.xlsx", views.visit_export, name="export"),
]
