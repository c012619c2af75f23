from django.urls import path
from rest_framework.routers import DefaultRouter

from centres import api, views

app_name = "centres"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", api.RegionViewSet, basename="region")
router.register("centres", api.CentreViewSet, basename="centre")

urlpatterns = [
    path("centres/", views.directory, name="directory"),
    path("centres/<str:code>/", views.centre_detail, name="detail"),
]
api_urlpatterns = router.urls
