"""Forms of the teams pages; each calls one service."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Level, Region, User, within_q
from teams.models import AssessmentGrade, CallUp, Post, ServiceGroupKind, Team, TeamMember
from veterans.idnumbers import normalize_id_number
from veterans.models import Veteran

NOTHING: QuerySet[Any] = TeamMember.objects.none()  # each form sets its own in __init__
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TeamCreateForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("centre"), queryset=Centre.objects.none())
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=Team.Kind.choices)
    groups = forms.MultipleChoiceField(
        label=_("service groups"), choices=ServiceGroupKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The user's own centre first, then the centres below it (at most a county's worth).
        centres = Centre.objects.visible_to(user).exclude(level=Level.VILLAGE).order_by("region")
        self.fields["centre"].queryset = centres  # type: ignore[attr-defined]
        own = Centre.objects.filter(region_id=user.region_id).first()
        if own is not None:
            self.fields["centre"].initial = own.pk


class MemberAddForm(forms.Form):
    veteran = forms.ModelChoiceField(label=_("veteran"), queryset=Veteran.objects.none(),
                                     widget=forms.RadioSelect)
    role = forms.ChoiceField(label=_("role in the team"), choices=TeamMember.Role.choices,
                             initial=TeamMember.Role.MEMBER)
    group = forms.ModelChoiceField(label=_("service group"), queryset=NOTHING, required=False)
    joined = forms.DateField(label=_("joined"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, team: Team, candidates: list[Veteran] | None = None,
                 user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["veteran"].queryset = (  # type: ignore[attr-defined]
            Veteran.objects.visible_to(user).filter(within_q(team.region_id, "region"))
        )
        if candidates is not None:
            self.fields["veteran"].choices = [  # type: ignore[attr-defined]
                (v.pk, f"{v.name} · {v.id_number_masked} · {v.region.name}") for v in candidates
            ]
        self.fields["group"].queryset = team.groups.all()  # type: ignore[attr-defined]


class RecordsForm(forms.Form):
    """One activity, many members: the bulk entry of service hours."""

    date = forms.DateField(label=_("date"), widget=DATE, initial=timezone.localdate)
    hours = forms.DecimalField(label=_("hours"), min_value=Decimal("0.5"),
                               max_value=Decimal(24), decimal_places=1, max_digits=3)
    activity = forms.CharField(label=_("activity"), max_length=200)
    group = forms.ModelChoiceField(label=_("service group"), queryset=NOTHING, required=False)
    members = forms.ModelMultipleChoiceField(
        label=_("members who took part"), queryset=NOTHING,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = team.groups.all()  # type: ignore[attr-defined]
        members = team.members.filter(left__isnull=True).select_related("veteran")
        self.fields["members"].queryset = members  # type: ignore[attr-defined]
        self.fields["members"].label_from_instance = (  # type: ignore[attr-defined]
            lambda m: f"{m.veteran.name}（{m.volunteer_number}）"
        )


class ConfirmForm(forms.Form):
    records = forms.ModelMultipleChoiceField(queryset=NOTHING,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["records"].queryset = team.records.filter(status="pending")  # type: ignore[attr-defined]


class MemberForm(forms.Form):
    member = forms.ModelChoiceField(queryset=NOTHING)
    left = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = team.members.all()  # type: ignore[attr-defined]


class GroupsForm(forms.Form):
    groups = forms.MultipleChoiceField(label=_("service groups"), choices=ServiceGroupKind.choices,
                                       widget=forms.CheckboxSelectMultiple)


class CallUpForm(forms.Form):
    task = forms.CharField(label=_("task"), max_length=200)
    place = forms.CharField(label=_("place"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    needed = forms.IntegerField(label=_("how many"), min_value=1, max_value=1000)
    tier = forms.ChoiceField(label=_("readiness tier"), choices=CallUp.Tier.choices,
                             initial=CallUp.Tier.WITHIN_2_HOURS)


class AnswerMarkForm(forms.Form):
    member = forms.ModelChoiceField(queryset=NOTHING)
    available = forms.TypedChoiceField(coerce=lambda v: v == "yes",
                                       choices=[("yes", "yes"), ("no", "no")])

    def __init__(self, *args: Any, call_up: CallUp, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = call_up.team.members.filter(left__isnull=True)  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    hours = forms.DecimalField(label=_("hours"), min_value=Decimal("0.5"),
                               max_value=Decimal(24), decimal_places=1, max_digits=3)
    members = forms.ModelMultipleChoiceField(
        label=_("members who came"), queryset=NOTHING,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, call_up: CallUp, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = call_up.team.members.filter(left__isnull=True).select_related("veteran")
        self.fields["members"].queryset = members  # type: ignore[attr-defined]
        self.fields["members"].label_from_instance = (  # type: ignore[attr-defined]
            lambda m: m.veteran.name
        )


class AppointForm(forms.Form):
    village = forms.ModelChoiceField(label=_("Village"), queryset=Region.objects.none())
    id_number = forms.CharField(label=_("resident ID number"), max_length=18)
    post = forms.ChoiceField(label=_("post"), choices=Post.choices)
    since = forms.DateField(label=_("since"), widget=DATE, initial=timezone.localdate)

    def __init__(self, *args: Any, user: User, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["village"].queryset = (  # type: ignore[attr-defined]
            Region.objects.within(region).filter(level=Level.VILLAGE).order_by("code")
        )

    def clean_id_number(self) -> Veteran:
        number = normalize_id_number(self.cleaned_data["id_number"])
        veteran = Veteran.objects.visible_to(self.user).filter(id_number=number).first()
        if veteran is None:
            raise forms.ValidationError(_("No veteran with this ID number in your jurisdiction."))
        return veteran


class TrainingForm(forms.Form):
    date = forms.DateField(label=_("date"), widget=DATE, initial=timezone.localdate)
    course = forms.CharField(label=_("course"), max_length=200)
    hours = forms.DecimalField(label=_("hours"), min_value=Decimal("0.5"), max_digits=5,
                               decimal_places=1)


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100,
                              initial=lambda: datetime.date.today().year)
    grade = forms.ChoiceField(label=_("assessment grade"), choices=AssessmentGrade.choices)
    note = forms.CharField(label=_("note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EndTermForm(forms.Form):
    until = forms.DateField(label=_("term ended"), widget=DATE, initial=timezone.localdate)
