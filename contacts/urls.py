from django.urls import URLPattern, URLResolver, path

from contacts import api, offline, views

app_name = "contacts"

urlpatterns: list[URLPattern | URLResolver] = [
    path("sw.js", offline.service_worker, name="sw"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("contacts/", views.worklist, name="worklist"),
    path("contacts/route/", views.route, name="route"),
    path("contacts/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("contacts/campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
]
api_urlpatterns: list[URLPattern | URLResolver] = [
    path("stats/contacts/", api.ContactStatsView.as_view(), name="stats-contacts"),
]
