"""REST: /api/v1/regions/ and /api/v1/centres/ (DESIGN.md §4, fixed)."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from centres.filters import CentreFilter, RegionFilter
from centres.models import Centre, Region
from centres.selectors import region_get_for_user


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(  # type: ignore[assignment]
        source="parent_id", allow_null=True, read_only=True
    )

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "model_year"]


class CentreSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    kind = serializers.CharField(source="kind_label", read_only=True)

    class Meta:
        model = Centre
        fields = ["id", "region", "region_name", "name", "level", "kind", "address", "phone"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions in the caller's jurisdiction. `{code}` may be 6, 9 or 12 digits."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = "[0-9]{6,12}"

    def get_queryset(self) -> QuerySet[Region]:
        return Region.objects.visible_to(self.request.user).order_by("code")

    def get_object(self) -> Region:
        return region_get_for_user(user=self.request.user, code=self.kwargs["code"])


class CentreViewSet(viewsets.ReadOnlyModelViewSet):
    """Centres in the caller's jurisdiction; `region` narrows to a subtree."""

    serializer_class = CentreSerializer
    filterset_class = CentreFilter

    def get_queryset(self) -> QuerySet[Centre]:
        return Centre.objects.visible_to(self.request.user).select_related("region").order_by(
            "region_id"
        )
