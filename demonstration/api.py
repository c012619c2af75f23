"""REST: /api/v1/stats/targets/ (docs/design.md §4, fixed), designations and assessments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from centres import codes
from centres.dates import date_in_bounds
from centres.filters import (
    NATION_OR_REGION_SCHEMA,
    REGION_CODE_SCHEMA,
    RegionCodeField,
    SubtreeFilter,
)
from centres.requests import AuthenticatedRequest
from centres.selectors import region_get_for_user
from config.spreadsheets import SpreadsheetAPIView
from demonstration.models import Assessment, Designation
from demonstration.selectors import target_rows, target_summary
from demonstration.services import (
    assessment_approve,
    assessment_forward,
    assessment_return,
    assessment_submit,
    designation_revoke,
    this_year,
)


class TargetSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    name = serializers.CharField(source="region.name")
    level = serializers.CharField(source="region.level")
    model_year = serializers.IntegerField(source="region.model_year")
    total = serializers.IntegerField()
    demonstration = serializers.IntegerField()
    ratio = serializers.FloatField(allow_null=True)
    meets_target = serializers.BooleanField()
    shortfall = serializers.IntegerField()


YEAR_SCHEMA = {"type": "integer", "minimum": 2000, "maximum": 2100}


@extend_schema_field(YEAR_SCHEMA)
class YearFilter(django_filters.Filter):
    """A year from 2000 to 2100, validated and documented as the integer it is."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", YEAR_SCHEMA["minimum"])
        kwargs.setdefault("max_value", YEAR_SCHEMA["maximum"])
        super().__init__(*args, **kwargs)


class TargetQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    region = serializers.CharField(required=False, allow_blank=True)

    def validate_region(self, value: str) -> str:
        try:
            return RegionCodeField(required=False).clean(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class TargetStatsView(SpreadsheetAPIView):
    """The 60% target of the model cities and counties in the caller's jurisdiction,
    from the latest snapshot of the year (computed on the fly if the year has none)."""
    request: AuthenticatedRequest

    @extend_schema(
        parameters=[
            OpenApiParameter("year", YEAR_SCHEMA, description="default: this year"),
            OpenApiParameter("region", REGION_CODE_SCHEMA,
                             description="a region code: its subtree only"),
        ],
        responses=TargetSerializer(many=True),
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = TargetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or this_year()
        code = query.validated_data.get("region") or None
        if code:
            region_get_for_user(user=request.user, code=code)  # 404 outside the jurisdiction
        rows = target_rows(user=request.user, year=year, region_code=code)
        name = code or codes.NATION
        return self.named(Response(TargetSerializer(rows, many=True).data),
                          filename=f"{name} {_('demonstration target')} {year}",
                          ascii_name=f"targets-{name}-{year}")


class TargetSummarySerializer(serializers.Serializer):
    region = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField(allow_null=True, help_text="null for the nation")
    year = serializers.IntegerField()
    model_regions = serializers.IntegerField(help_text="model cities and counties in the area")
    meeting = serializers.IntegerField(help_text="of which meet the 60% target")
    total = serializers.IntegerField(
        help_text="eligible centres in the model regions, each counted once"
    )
    demonstration = serializers.IntegerField(help_text="of which demonstration centres")
    ratio = serializers.FloatField(allow_null=True)


class TargetSummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    region = serializers.CharField(
        help_text="a region code (6, 9 or 12 digits); 000000000000 is the nation"
    )


class TargetSummaryView(SpreadsheetAPIView):
    """The 60% target over the model regions in a region's subtree (itself included):
    each eligible centre counted once, however many model regions contain it."""

    @extend_schema(
        parameters=[
            OpenApiParameter("region", NATION_OR_REGION_SCHEMA, required=True,
                             description="a region code; 000000000000 is the nation "
                             "(nationwide users only)"),
            OpenApiParameter("year", YEAR_SCHEMA, description="default: this year"),
        ],
        responses=TargetSummarySerializer,
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = TargetSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or this_year()
        code = query.validated_data["region"].strip()
        region = None
        if code.strip("0"):
            region = region_get_for_user(user=request.user, code=code)
        elif request.user.region_id is not None:
            raise Http404
        summary = target_summary(user=request.user, region=region, year=year)
        figures = {
            "region": region.code if region else codes.NATION,
            "name": region.name if region else _("Nationwide"),
            "level": region.level if region else None,
            "year": year,
            "model_regions": summary.model_regions,
            "meeting": summary.meeting,
            "total": summary.total,
            "demonstration": summary.demonstration,
            "ratio": summary.ratio,
        }
        return self.named(Response(TargetSummarySerializer(figures).data),
                          filename=f"{figures['name']} {_('demonstration target')} {year}",
                          ascii_name=f"targets-summary-{figures['region']}-{year}")


class DesignationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = Designation
        fields = [
            "id", "centre", "region", "centre_name", "year", "grade", "source", "assessment",
            "created_at", "revoked_on", "revoke_reason",
        ]
        # Output only: the viewset reads, and `revoke` takes RevokeSerializer. Writable
        # related fields would list every centre and assessment in the nation in the
        # browsable API's forms, outside the caller's jurisdiction too.
        read_only_fields = fields


class DesignationFilter(django_filters.FilterSet):
    region = SubtreeFilter(field_name="region_id")
    year = YearFilter(field_name="year")
    in_force = YearFilter(method="filter_in_force", label="in force in year")

    class Meta:
        model = Designation
        fields = ["region", "year", "grade", "source"]

    def filter_in_force(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs.in_force(value)  # type: ignore[attr-defined]


class AssessmentSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id", "centre", "region", "centre_name", "year", "standard", "status", "score",
            "passed", "review_comment", "created_at", "decided_at",
        ]
        read_only_fields = fields  # output only, as DesignationSerializer


class AssessmentFilter(django_filters.FilterSet):
    region = SubtreeFilter(field_name="region_id")
    year = YearFilter(field_name="year")

    class Meta:
        model = Assessment
        fields = ["region", "year", "status"]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField()
    revoked_on = serializers.DateField(required=False, validators=[date_in_bounds])


class DesignationViewSet(viewsets.ReadOnlyModelViewSet):
    """Designations of centres in the caller's jurisdiction; `revoke` (摘牌) for officials."""
    request: AuthenticatedRequest

    serializer_class = DesignationSerializer
    filterset_class = DesignationFilter

    def get_queryset(self) -> QuerySet[Designation]:
        return Designation.objects.visible_to(self.request.user).select_related(
            "centre"
        ).order_by("-year", "region_id")

    @extend_schema(request=RevokeSerializer, responses=DesignationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        designation = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        designation = designation_revoke(
            designation=designation, by=request.user,
            reason=body.validated_data["reason"], on=body.validated_data.get("revoked_on"),
        )
        return Response(DesignationSerializer(designation).data)


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Assessments of centres in the caller's jurisdiction, and their workflow steps
    (409 when the state or the caller does not allow the step)."""
    request: AuthenticatedRequest

    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter

    def get_queryset(self) -> QuerySet[Assessment]:
        return Assessment.objects.visible_to(self.request.user).select_related(
            "centre"
        ).order_by("-created_at", "-id")

    def _step(
        self, request: AuthenticatedRequest, run: Callable[[Assessment, Any, str], Assessment]
    ) -> Response:
        assessment = self.get_object()
        body = CommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assessment = run(assessment, request.user, body.validated_data["comment"])
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(request=None, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        return self._step(request, lambda a, by, c: assessment_submit(assessment=a, by=by))

    @extend_schema(request=CommentSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        return self._step(
            request, lambda a, by, c: assessment_return(assessment=a, by=by, comment=c)
        )

    @extend_schema(request=CommentSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def forward(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        return self._step(
            request, lambda a, by, c: assessment_forward(assessment=a, by=by, comment=c)
        )

    @extend_schema(request=CommentSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        return self._step(
            request, lambda a, by, c: assessment_approve(assessment=a, by=by, note=c)
        )
