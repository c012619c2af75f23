"""REST: /api/v1/veterans/ and /api/v1/visits/ (docs/design.md §4, fixed).

ID numbers are written in full and always answered masked. Visit creation
honours the `Idempotency-Key` header: the same key again answers the first
visit (200) and creates nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from centres.api import CentreCodeField, CodeField, RegionCodeField
from centres.models import Level
from centres.requests import AuthenticatedRequest
from config.serializers import FieldsBuiltOnceMixin
from veterans import services
from veterans.filters import VeteranFilter, VisitFilter
from veterans.idnumbers import birth_date_of, mask_id_number
from veterans.models import Veteran, Visit
from veterans.selectors import (
    veteran_list,
    veteran_possible_duplicates,
    visit_list,
    visit_parties,
)


class StaffWritesOfficialsRead(permissions.BasePermission):
    message = "Only staff may change the registry and the visit log."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or user.is_staff_member


@extend_schema_field(OpenApiTypes.STR)
class MaskedIdNumberField(serializers.CharField):
    """Full on input; masked (`330681********123X`) in every answer."""

    def to_representation(self, value: Any) -> str:
        return mask_id_number(str(value))


def _raise_drf(exc: DjangoValidationError, field: str) -> None:
    if hasattr(exc, "error_dict"):
        raise ValidationError({k: [str(m) for e in v for m in e.messages]
                               for k, v in exc.error_dict.items()}) from exc
    raise ValidationError({field: list(exc.messages)}) from exc


class VeteranSerializer(serializers.ModelSerializer):
    id_number = MaskedIdNumberField(max_length=18)
    region = RegionCodeField(levels=[Level.TOWNSHIP, Level.VILLAGE])
    region_name = serializers.CharField(source="region.name", read_only=True)
    confirm_duplicate = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="Register even though a veteran with the same name and birth date exists.",
    )

    class Meta:
        model = Veteran
        fields = [
            "id", "name", "sex", "birth_date", "id_number", "phone", "region", "region_name",
            "discharge_year", "discharge_kind", "is_disabled", "is_martyr_family",
            "needs_assistance", "is_party_secretary", "is_volunteer", "created_at",
            "confirm_duplicate",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"sex": {"required": False}, "birth_date": {"required": False}}

    def validate_id_number(self, value: str) -> str:
        try:
            return services.id_number_clean(value)
        except DjangoValidationError as exc:
            raise ValidationError(list(exc.messages)) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        number = attrs["id_number"]
        try:
            services.id_number_clean(
                number, sex=attrs.get("sex") or None, birth_date=attrs.get("birth_date")
            )
        except DjangoValidationError as exc:
            field = "birth_date" if exc.code == "birth_date_mismatch" else "sex"
            raise ValidationError({field: list(exc.messages)}) from exc
        twins = veteran_possible_duplicates(
            name=attrs["name"], birth_date=attrs.get("birth_date") or birth_date_of(number)
        )
        if not attrs.get("confirm_duplicate") and twins.exists():
            raise ValidationError({"name": [
                "A veteran with the same name and birth date is already registered; "
                "send confirm_duplicate=true if this is a different person."
            ]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Veteran:
        validated_data.pop("confirm_duplicate", None)
        try:
            return services.veteran_create(by=self.context["request"].user, data=validated_data)
        except DjangoValidationError as exc:
            _raise_drf(exc, "id_number")
            raise


# Case_opened is what logging a visit with a case makes of it, never what a client sends.
LOGGABLE_OUTCOMES = [c for c in Visit.Outcome.choices if c[0] != Visit.Outcome.CASE_OPENED]


class VisitSerializer(FieldsBuiltOnceMixin, serializers.ModelSerializer):
    """A visit as the API answers it; what a client sends is a `VisitInputSerializer`."""
    request: AuthenticatedRequest

    veteran = serializers.IntegerField(source="veteran_id", read_only=True)
    veteran_name = serializers.CharField(source="veteran.name", read_only=True)
    centre = serializers.CharField(source="centre.region_id", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id", "veteran", "veteran_name", "centre", "region", "visited_at", "channel",
            "purpose", "summary", "outcome", "recorded_by", "created_at",
        ]
        read_only_fields = fields


class VisitInputSerializer(FieldsBuiltOnceMixin, serializers.Serializer):
    """What a client sends to log a visit; the answer is a `VisitSerializer`.

    The visit POST is the API's hottest path: the veteran and the centre are found
    together by one query (`visit_parties`) once the fields are well formed, rather
    than one query each by related fields.
    """
    request: AuthenticatedRequest

    veteran = serializers.IntegerField(min_value=1, max_value=2**63 - 1,
                                       help_text="The veteran's id.")
    centre = CodeField(help_text="The code of the centre's region.")
    channel = serializers.ChoiceField(choices=Visit.Channel.choices)
    purpose = serializers.ChoiceField(choices=Visit.Purpose.choices)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.ChoiceField(choices=LOGGABLE_OUTCOMES, default=Visit.Outcome.ANSWERED)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        veteran, centre = visit_parties(
            user=self.context["request"].user, veteran_id=attrs["veteran"],
            centre_code=attrs["centre"],
        )
        errors: dict[str, list[Any]] = {}
        if veteran is None:
            errors["veteran"] = [_("No such veteran in your jurisdiction.")]
        if centre is None:
            errors["centre"] = [CentreCodeField.default_error_messages["does_not_exist"]]
        if errors:
            raise ValidationError(errors)
        return {**attrs, "veteran": veteran, "centre": centre}


class VeteranViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Veterans in the caller's jurisdiction. ID numbers are masked in every answer."""

    request: AuthenticatedRequest

    serializer_class = VeteranSerializer
    filterset_class = VeteranFilter
    permission_classes = [StaffWritesOfficialsRead]

    def get_queryset(self) -> QuerySet[Veteran]:
        return veteran_list(user=self.request.user)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Any unique string per visit (at most 100 characters). The same key again "
    "answers the first visit with 200 and creates nothing.",
)


class VisitViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Visits logged at the centres of the caller's jurisdiction."""

    request: AuthenticatedRequest

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    permission_classes = [StaffWritesOfficialsRead]

    def get_queryset(self) -> QuerySet[Visit]:
        return visit_list(user=self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        # What a client sends to log a visit (the browsable API's form too) is not
        # what it is answered.
        return VisitInputSerializer if self.request.method == "POST" else VisitSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=VisitInputSerializer,
        responses={201: VisitSerializer, 200: VisitSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise ValidationError({"Idempotency-Key": ["At most 100 characters."]})
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # A retry answers its first visit even when its body no longer validates
            # (the veteran moved away since); a valid one finds it in `visit_log`.
            existing = services.visit_by_key(by=self.request.user, idempotency_key=key)
            if existing is not None:
                return Response(self.answer(existing), status=status.HTTP_200_OK)
            serializer.is_valid(raise_exception=True)  # raises the errors found above
        data = serializer.validated_data
        try:
            visit, created = services.visit_log(
                by=self.request.user,
                veteran=data["veteran"],
                centre=data["centre"],
                channel=data["channel"],
                purpose=data["purpose"],
                summary=data.get("summary", ""),
                outcome=data.get("outcome", Visit.Outcome.ANSWERED),
                idempotency_key=key,
            )
        except DjangoValidationError as exc:
            _raise_drf(exc, "non_field_errors")
            raise
        return Response(
            self.answer(visit), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def answer(self, visit: Visit) -> Any:
        return VisitSerializer(visit, context=self.get_serializer_context()).data
