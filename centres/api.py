"""REST: /api/v1/regions/ and /api/v1/centres/ (docs/design.md §4, fixed)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from centres import codes
from centres.filters import REGION_CODE_SCHEMA, CentreFilter, RegionFilter
from centres.models import Centre, Region
from centres.requests import AuthenticatedRequest
from centres.selectors import region_get_for_user


def _twelve_digits(data: Any) -> str:
    try:
        return codes.normalize_code(data)
    except codes.InvalidCode as exc:
        raise ValidationError(str(exc)) from exc


@extend_schema_field(REGION_CODE_SCHEMA)
class CodeField(serializers.CharField):
    """A region code as typed (6, 9 or 12 digits), answered as its 12 digits; no query."""

    def to_internal_value(self, data: Any) -> str:
        return _twelve_digits(super().to_internal_value(data))


@extend_schema_field(REGION_CODE_SCHEMA)
class RegionCodeField(serializers.SlugRelatedField):
    """A 6-, 9- or 12-digit region code inside the caller's jurisdiction (else "no such")."""

    default_error_messages = {
        "does_not_exist": _("There is no region with this code in your jurisdiction."),
    }

    def __init__(self, *, levels: list[str] | None = None, **kwargs: Any) -> None:
        self.levels = levels
        kwargs.setdefault("queryset", Region.objects.all())
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self) -> QuerySet[Region]:
        regions = Region.objects.visible_to(self.context["request"].user)
        return regions.filter(level__in=self.levels) if self.levels else regions

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(_twelve_digits(data))


@extend_schema_field(REGION_CODE_SCHEMA)
class CentreCodeField(serializers.SlugRelatedField):
    """A centre named by its region's code; outside the jurisdiction it does not exist."""

    default_error_messages = {
        "does_not_exist": _("There is no centre with this code in your jurisdiction."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Centre.objects.all())
        super().__init__(slug_field="region_id", **kwargs)

    def get_queryset(self) -> QuerySet[Centre]:
        return Centre.objects.visible_to(self.context["request"].user)

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(_twelve_digits(data))


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
    request: AuthenticatedRequest

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
    request: AuthenticatedRequest

    serializer_class = CentreSerializer
    filterset_class = CentreFilter

    def get_queryset(self) -> QuerySet[Centre]:
        return Centre.objects.visible_to(self.request.user).select_related("region").order_by(
            "region_id"
        )
