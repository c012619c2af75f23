from django.urls import URLPattern, URLResolver, path

from contacts import api

app_name = "contacts"

urlpatterns: list[URLPattern | URLResolver] = []
api_urlpatterns: list[URLPattern | URLResolver] = [
    path("stats/contacts/", api.ContactStatsView.as_view(), name="stats-contacts"),
]
