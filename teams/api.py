"""REST: the roster, teams, service records and `stats/teams` (docs/design.md §4, fixed).

Bad input answers 400 field by field, a refused step 409, a row outside the
caller's jurisdiction 404, a write by an official 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from centres import codes
from centres.api import CentreCodeField
from centres.filters import REGION_CODE_SCHEMA
from centres.models import User
from centres.requests import AuthenticatedRequest
from centres.selectors import region_get_for_user
from teams import services
from teams.filters import ServiceRecordFilter, TeamFilter, VillageCadreFilter
from teams.models import ServiceGroupKind, ServiceRecord, Team, TeamMember, VillageCadre
from teams.selectors import service_record_list, team_list, team_stats, village_cadre_list
from teams.services import ServiceRecordInvalid, TeamActionRefused
from veterans.models import Veteran


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This step is not allowed now.")
    default_code = "refused"


class StaffWrites(BasePermission):
    """Officials read; only staff write (403 before anything is looked up)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or bool(
            getattr(request.user, "is_staff_member", False)
        )


def caller(request: Request) -> User:
    """The signed-in user (every view here requires one)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _perform(
    request: Request, service: Any, answer: type[serializers.Serializer],
    serializer_class: type[serializers.Serializer] | None = None,
    code: int = status.HTTP_200_OK, **kwargs: Any,
) -> Response:
    """Validate the body, call the service as the caller, answer with the result:
    a service's bad input is 400 on its field, a refused step 409."""
    data: dict[str, Any] = {}
    if serializer_class is not None:
        body = serializer_class(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
    try:
        result = service(by=caller(request), **kwargs, **data)
    except ServiceRecordInvalid as exc:
        raise serializers.ValidationError({exc.field: [exc.message]}) from exc
    except TeamActionRefused as exc:
        raise Conflict(exc.message) from exc
    return Response(answer(result).data, status=code)


class VillageCadreSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True)
    veteran_name = serializers.CharField(source="veteran.name", read_only=True)

    class Meta:
        model = VillageCadre
        fields = ["id", "village", "veteran", "veteran_name", "post", "since", "until"]
        read_only_fields = fields


class VillageCadreViewSet(viewsets.ReadOnlyModelViewSet):
    """The 兵支书 roster: posts held by veterans in villages of the caller's area."""

    serializer_class = VillageCadreSerializer
    filterset_class = VillageCadreFilter

    def get_queryset(self) -> QuerySet[VillageCadre]:
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return VillageCadre.objects.none()
        return village_cadre_list(user=caller(self.request), current=None)


class TeamSerializer(serializers.ModelSerializer):
    centre = serializers.CharField(source="region_id", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    groups: serializers.SlugRelatedField = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="kind"
    )

    class Meta:
        model = Team
        fields = ["id", "centre", "centre_name", "name", "kind", "groups", "created_at"]
        read_only_fields = fields


class TeamCreateSerializer(serializers.Serializer):
    centre = CentreCodeField()
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Team.Kind.choices)
    groups = serializers.ListField(
        child=serializers.ChoiceField(choices=ServiceGroupKind.choices),
        required=False, default=list,
    )


class TeamMemberSerializer(serializers.ModelSerializer):
    veteran_name = serializers.CharField(source="veteran.name", read_only=True)

    class Meta:
        model = TeamMember
        fields = ["id", "team", "veteran", "veteran_name", "role", "group",
                  "volunteer_number", "joined", "left"]
        read_only_fields = fields


def _visible_veteran(user: User, pk: int) -> Veteran:
    found = Veteran.objects.visible_to(user).filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError(
            _("There is no veteran with this id in your jurisdiction.")
        )
    return found


class MemberAddSerializer(serializers.Serializer):
    veteran = serializers.IntegerField()
    role = serializers.ChoiceField(choices=TeamMember.Role.choices, default=TeamMember.Role.MEMBER)

    def validate_veteran(self, value: int) -> Veteran:
        return _visible_veteran(self.context["request"].user, value)


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Volunteer and shock teams of the centres in the caller's area."""

    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    permission_classes = [*viewsets.GenericViewSet.permission_classes, StaffWrites]

    def get_queryset(self) -> QuerySet[Team]:
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return Team.objects.none()
        return team_list(user=caller(self.request)).prefetch_related("groups")

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _perform(request, services.team_create, TeamSerializer, TeamCreateSerializer,
                        status.HTTP_201_CREATED)

    @extend_schema(request=MemberAddSerializer, responses={201: TeamMemberSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request: Request, pk: str) -> Response:
        return _perform(request, services.team_member_add, TeamMemberSerializer,
                        MemberAddSerializer, status.HTTP_201_CREATED, team=self.get_object())


class ServiceRecordSerializer(serializers.ModelSerializer):
    veteran_name = serializers.CharField(source="veteran.name", read_only=True)
    hours = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False,
                                     read_only=True)

    class Meta:
        model = ServiceRecord
        fields = ["id", "team", "veteran", "veteran_name", "group", "date", "hours", "activity",
                  "status", "corrects", "call_up", "recorded_at", "confirmed_at"]
        read_only_fields = fields


class ServiceRecordCreateSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    veteran = serializers.IntegerField()
    date = serializers.DateField()
    hours = serializers.DecimalField(max_digits=3, decimal_places=1)
    activity = serializers.CharField(max_length=200)

    def validate_team(self, value: int) -> Team:
        found = Team.objects.visible_to(self.context["request"].user).filter(pk=value).first()
        if found is None:
            raise serializers.ValidationError(
                _("There is no team with this id in your jurisdiction.")
            )
        return found

    def validate_veteran(self, value: int) -> Veteran:
        return _visible_veteran(self.context["request"].user, value)


class ServiceRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Service records (志愿服务记录) of the teams in the caller's area."""

    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter
    permission_classes = [*viewsets.GenericViewSet.permission_classes, StaffWrites]

    def get_queryset(self) -> QuerySet[ServiceRecord]:
        if getattr(self, "swagger_fake_view", False):  # the schema, built without a user
            return ServiceRecord.objects.none()
        return service_record_list(user=caller(self.request))

    @extend_schema(request=ServiceRecordCreateSerializer, responses={201: ServiceRecordSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return _perform(request, services.service_record_create, ServiceRecordSerializer,
                        ServiceRecordCreateSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ServiceRecordSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        return _perform(request, services.service_record_confirm, ServiceRecordSerializer,
                        record=self.get_object())


# A region code, or the nation's (zeros).
STATS_REGION_SCHEMA = {
    **REGION_CODE_SCHEMA,
    "pattern": "^(?:000000(?:000000)?|" + str(REGION_CODE_SCHEMA["pattern"])[1:-1] + ")$",
}


class TeamStatsQuery(serializers.Serializer):
    region = serializers.CharField(help_text="region code, 6, 9 or 12 digits (its whole subtree); "
                                   "000000000000 is the nation (nationwide users only)")

    def validate_region(self, value: str) -> str:
        if value.strip() in (codes.NATION, codes.NATION[:6]):
            return codes.NATION
        try:
            return codes.normalize_code(value)
        except codes.InvalidCode as exc:
            raise serializers.ValidationError(str(exc)) from exc


class TeamStats(serializers.Serializer):
    region = serializers.CharField()
    villages = serializers.IntegerField()
    party_secretaries = serializers.IntegerField()
    party_secretary_coverage = serializers.FloatField(allow_null=True)
    committee_members = serializers.IntegerField()
    reserve = serializers.IntegerField()
    teams = serializers.IntegerField()
    shock_teams = serializers.IntegerField()
    members = serializers.IntegerField()
    service_hours = serializers.FloatField()


class TeamStatsView(APIView):
    """Roster coverage, teams, members and confirmed hours of a region's subtree."""

    @extend_schema(parameters=[OpenApiParameter(
        "region", STATS_REGION_SCHEMA, required=True,
        description="region code (6, 9 or 12 digits): its whole subtree; "
        "000000000000 is the nation (nationwide users only)",
    )], responses={200: TeamStats})
    def get(self, request: AuthenticatedRequest) -> Response:
        query = TeamStatsQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data["region"]
        if code == codes.NATION:
            if caller(request).region_id is not None:
                raise exceptions.NotFound
        else:
            region_get_for_user(user=request.user, code=code)
        return Response(TeamStats(team_stats(region=code)).data)
