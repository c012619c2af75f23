"""REST: /api/v1/cases/ and /api/v1/stats/cases/ (docs/design.md §4, fixed).

Bad input answers 400 field by field, a refused transition 409, a write by an
official 403, a case or region outside the caller's jurisdiction 404: the
services raise `centres.errors`, which `config.errors.api_exception_handler` maps.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import services
from cases.filters import CaseFilter
from cases.models import Case, Category, MediationMethod, RiskLevel
from cases.selectors import case_list
from centres.api import CentreCodeField
from centres.idempotency import idempotency_from
from centres.models import User, jurisdiction_q
from centres.requests import AuthenticatedRequest
from config.schema import IDEMPOTENCY_KEY
from veterans.models import Veteran


class CaseSerializer(serializers.ModelSerializer):
    centre = serializers.CharField(source="region_id", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    received_centre = serializers.CharField(source="received_region_id", read_only=True)
    received_centre_name = serializers.CharField(source="received_centre.name", read_only=True)
    veterans: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )
    assignee = serializers.CharField(
        source="assignee.username", read_only=True, default=None, allow_null=True,
        help_text=_("The staff member the case is assigned to; null until it is assigned."),
    )
    resolved_level = serializers.CharField(
        read_only=True, help_text=_("The level that resolved the case; empty while it is open.")
    )

    class Meta:
        model = Case
        fields = [
            "id", "number", "status", "level", "centre", "centre_name", "received_centre",
            "received_centre_name", "category", "risk_level", "summary", "veterans",
            "other_parties", "resolved_level", "resolution", "received_at", "accepted_at",
            "accept_deadline", "resolve_deadline", "deadline", "extended", "extension_days",
            "is_overdue", "escalated_count", "arrival", "visit", "assignee",
        ]
        read_only_fields = fields


def _visible(model: Any, user: User, pk: int, message: Any) -> Any:
    found = model.objects.visible_to(user).filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError(message)
    return found


class CaseCreateSerializer(serializers.Serializer):
    centre = CentreCodeField()
    category = serializers.ChoiceField(choices=Category.choices)
    summary = serializers.CharField()
    veteran = serializers.IntegerField(required=False, allow_null=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.ORDINARY)
    other_parties = serializers.CharField(required=False, allow_blank=True, default="")
    accept = serializers.BooleanField(
        default=True, help_text=_("Accept the case at once (default) or only receive it.")
    )

    def validate_veteran(self, value: int | None) -> Veteran | None:
        if value is None:
            return None
        return _visible(Veteran, self.context["request"].user, value,
                        _("There is no veteran with this id in your jurisdiction."))


class MediateSerializer(serializers.Serializer):
    note = serializers.CharField()
    method = serializers.ChoiceField(
        choices=MediationMethod.choices, default=MediationMethod.FACE_TO_FACE
    )
    mediator = serializers.IntegerField(required=False, allow_null=True,
                                        help_text=_("id of a staff member"))
    mediator_veteran = serializers.IntegerField(
        required=False, allow_null=True,
        help_text=_("id of a veteran village party secretary or volunteer"),
    )

    def validate_mediator(self, value: int | None) -> User | None:
        if value is None:
            return None
        user = self.context["request"].user
        found = User.objects.filter(jurisdiction_q(user, "region"), pk=value).first()
        if found is None:
            raise serializers.ValidationError(_("There is no staff member with this id."))
        return found

    def validate_mediator_veteran(self, value: int | None) -> Veteran | None:
        if value is None:
            return None
        return _visible(Veteran, self.context["request"].user, value,
                        _("There is no veteran with this id in your jurisdiction."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("mediator") and attrs.get("mediator_veteran"):
            raise serializers.ValidationError(
                {"mediator_veteran": [_("Give either a staff mediator or a veteran, not both.")]}
            )
        return attrs


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField()


class FollowUpSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AcceptSerializer(serializers.Serializer):
    pass


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(help_text=_("id of a staff member of the holding centre"))
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_assignee(self, value: int) -> User:
        user = self.context["request"].user
        found = User.objects.filter(jurisdiction_q(user, "region"), pk=value).first()
        if found is None:
            raise serializers.ValidationError(_("There is no staff member with this id."))
        return found


class ReferDownSerializer(serializers.Serializer):
    centre = CentreCodeField(help_text=_("region code of a centre below the holding one"))
    instructions = serializers.CharField()


class ExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=services.MAX_EXTENSION_DAYS)
    reason = serializers.CharField()


class CaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Dispute cases received in, or held in, the caller's jurisdiction."""

    request: AuthenticatedRequest

    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        return case_list(user=self.request.user).prefetch_related("veterans").order_by(
            "-received_at", "-id"
        )

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        return Response(CaseSerializer(case, context={"request": self.request}).data, status=code)

    @extend_schema(
        request=CaseCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: CaseSerializer, 200: CaseSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        once = idempotency_from(request)
        existing = services.case_by_key(by=request.user, once=once)
        if existing is not None:
            return self._answer(existing)
        data = self._input(CaseCreateSerializer)
        veteran = data.pop("veteran", None)
        case, created = services.case_open_once(
            by=request.user, once=once, veterans=[veteran] if veteran else [], **data,
        )
        return self._answer(case, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _transition(self, service: Any, serializer_class: type[serializers.Serializer],
                    **renames: str) -> Response:
        case = self.get_object()
        data = self._input(serializer_class)
        for old, new in renames.items():
            data[new] = data.pop(old)
        return self._answer(service(case=case, by=self.request.user, **data))

    @extend_schema(request=AcceptSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_accept, AcceptSerializer)

    @extend_schema(request=AssignSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_assign, AssignSerializer)

    @extend_schema(request=MediateSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def mediate(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_mediate, MediateSerializer)

    @extend_schema(request=EscalateSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def escalate(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_escalate, EscalateSerializer)

    @extend_schema(request=ReferDownSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"], url_path="refer-down")
    def refer_down(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_refer_down, ReferDownSerializer, centre="to")

    @extend_schema(request=ResolveSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_resolve, ResolveSerializer)

    @extend_schema(request=FollowUpSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_follow_up, FollowUpSerializer)

    @extend_schema(request=ExtendSerializer, responses={200: CaseSerializer})
    @action(detail=True, methods=["post"])
    def extend(self, request: AuthenticatedRequest, pk: str) -> Response:
        return self._transition(services.case_extend, ExtendSerializer)
