"""REST: /api/v1/veterans/ and /api/v1/visits/ (docs/design.md §4, fixed).

ID numbers are written in full and always answered masked. Visit creation
honours the `Idempotency-Key` header (centres.idempotency): the same key again
answers the first visit (200) and creates nothing; with another body 422.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from centres.api import CentreCodeField, CodeField, RegionCodeField
from centres.idempotency import idempotency_from
from centres.models import Region
from centres.requests import AuthenticatedRequest
from config.schema import IDEMPOTENCY_KEY
from config.serializers import FieldsBuiltOnceMixin
from veterans import services
from veterans.filters import VeteranFilter, VisitFilter
from veterans.idnumbers import birth_date_of, mask_id_number, normalize_id_number
from veterans.models import Veteran, Visit
from veterans.selectors import (
    veteran_list,
    veteran_possible_duplicates,
    visit_list,
    visit_parties,
)


class StaffWritesOfficialsRead(permissions.BasePermission):
    message = _("Only staff may change the registry and the visit log.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or user.is_staff_member


@extend_schema_field(OpenApiTypes.STR)
class MaskedIdNumberField(serializers.CharField):
    """Full on input; masked (`330681************`) in every answer."""

    def to_representation(self, value: Any) -> str:
        return mask_id_number(str(value))


class VeteranSerializer(serializers.ModelSerializer):
    id_number = MaskedIdNumberField(max_length=18)
    region = RegionCodeField(
        help_text="The home region: a village, a township, or the county itself."
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    birth_year = serializers.IntegerField(
        read_only=True, help_text="The birth year: a masked answer never carries the birth date.",
    )
    confirm_duplicate = serializers.BooleanField(
        write_only=True, required=False, default=False,
        help_text="Register even though a veteran with the same name and birth date exists.",
    )

    class Meta:
        model = Veteran
        fields = [
            "id", "name", "sex", "birth_date", "birth_year", "id_number", "phone", "region",
            "region_name",
            "discharge_year", "discharge_kind", "is_disabled", "is_martyr_family",
            "needs_assistance", "is_decorated", "took_part_in_combat", "is_party_secretary",
            "is_volunteer", "created_at",
            "confirm_duplicate",
        ]
        # the party-secretary flag follows the village cadre roster
        read_only_fields = ["id", "created_at", "is_party_secretary"]
        # The birth date is written, never answered: beside the masked number it would
        # narrow the number down to a few hundred (see `mask_id_number`).
        extra_kwargs = {
            "sex": {"required": False},
            "birth_date": {"required": False, "write_only": True},
        }

    def validate_region(self, value: Region) -> Region:
        if value.level not in services.HOME_LEVELS:
            raise ValidationError(services.HOME_LEVELS_MESSAGE)
        return value

    def validate_id_number(self, value: str) -> str:
        try:
            return services.id_number_clean(value)
        except services.DuplicateIdNumber as exc:
            if self.context["request"].user.may_see(exc.existing.region_id):
                raise ValidationError(list(exc.messages)) from exc
            # Registered outside the caller's jurisdiction: `create` sends a transfer
            # request instead of an answer that would say so.
            return normalize_id_number(value)
        except DjangoValidationError as exc:
            raise ValidationError(list(exc.messages)) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        number = attrs["id_number"]
        try:
            services.id_number_clean(
                number, sex=attrs.get("sex") or None, birth_date=attrs.get("birth_date")
            )
        except services.DuplicateIdNumber:
            pass  # answered by `validate_id_number`
        except DjangoValidationError as exc:
            field = "birth_date" if exc.code == "birth_date_mismatch" else "sex"
            raise ValidationError({field: list(exc.messages)}) from exc
        twins = veteran_possible_duplicates(
            user=self.context["request"].user, name=attrs["name"],
            birth_date=attrs.get("birth_date") or birth_date_of(number),
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
        except services.DuplicateIdNumber as exc:
            raise ValidationError({"id_number": list(exc.messages)}) from exc


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
    visited_at = serializers.DateTimeField(
        required=False,
        help_text="When the visit happened (ISO 8601; default now): not in the future, at "
        "most 90 days back. A visit logged offline is sent later with its own time.",
    )

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


class TransferAnswerSerializer(serializers.Serializer):
    """The answer to a registration that became a transfer request: nothing of the person."""

    transfer_request = serializers.IntegerField(source="pk", read_only=True)
    status = serializers.CharField(read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    detail = serializers.SerializerMethodField()

    def get_detail(self, transfer: Any) -> str:
        return str(self.context.get("detail", ""))


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

    @extend_schema(responses={201: VeteranSerializer, 202: TransferAnswerSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """201 and the veteran; for a number registered outside the caller's jurisdiction,
        202 and the transfer request (迁入申请) sent to the county that holds it, naming
        nothing about the person; 429 after too many of those within an hour."""
        try:
            return super().create(request, *args, **kwargs)
        except services.TransferRequested as exc:
            answer = TransferAnswerSerializer(exc.transfer, context={"detail": str(exc)})
            return Response(answer.data, status=status.HTTP_202_ACCEPTED)
        except services.TooManyElsewhere as exc:
            raise Throttled(wait=exc.retry_after, detail=str(exc)) from exc


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
        once = idempotency_from(request)
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # A retry is answered by its key even when its body no longer validates
            # (the veteran moved away since); a valid one is, inside `visit_log`.
            existing = services.visit_by_key(by=self.request.user, once=once)
            if existing is not None:
                return Response(self.answer(existing), status=status.HTTP_200_OK)
            serializer.is_valid(raise_exception=True)  # raises the errors found above
        data = serializer.validated_data
        # A refusal of the service (a Django ValidationError) answers 400 field by field
        # through the API's exception handler.
        visit, created = services.visit_log(
            by=self.request.user,
            veteran=data["veteran"],
            centre=data["centre"],
            channel=data["channel"],
            purpose=data["purpose"],
            summary=data.get("summary", ""),
            outcome=data.get("outcome", Visit.Outcome.ANSWERED),
            once=once,
            visited_at=data.get("visited_at"),
        )
        return Response(
            self.answer(visit), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    def answer(self, visit: Visit) -> Any:
        return VisitSerializer(visit, context=self.get_serializer_context()).data
