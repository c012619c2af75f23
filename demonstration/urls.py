from django.urls import URLPattern, URLResolver

app_name = "demonstration"

urlpatterns: list[URLPattern | URLResolver] = []
api_urlpatterns: list[URLPattern | URLResolver] = []
