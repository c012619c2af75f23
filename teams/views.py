"""Pages: teams, a team (members, hours, bulk entry, confirmation), certificates,
the county's roster of villages, a cadre's training and assessment, call-ups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centres.models import User
from centres.selectors import region_children, region_get_for_user
from teams import forms, services
from teams.exports import records_csv
from teams.models import CallUp, Post, ServiceRecord, Team
from teams.selectors import (
    call_up_get_for_user,
    certificate_get_for_user,
    export_records,
    member_candidates,
    member_numbers,
    roster,
    roster_villages,
    roster_villages_without_secretary,
    team_call_ups,
    team_get_for_user,
    team_hours,
    team_list,
    team_members,
    team_records,
    village_cadre_get_for_user,
)
from teams.services import ServiceRecordInvalid, TeamActionRefused


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _staff_only(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_staff_member:
        raise PermissionDenied
    return user


@login_required
def team_index(request: HttpRequest) -> HttpResponse:
    """The teams of the user's area, and (staff) a form to create one."""
    user = _user(request)
    form = None
    if user.is_staff_member:
        form = forms.TeamCreateForm(request.POST or None, user=user)
        if request.method == "POST" and form.is_valid():
            try:
                team = services.team_create(by=user, **form.cleaned_data)
            except TeamActionRefused as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("teams:detail", pk=team.pk)
    elif request.method == "POST":
        raise PermissionDenied
    page = Paginator(team_list(user=user), 50).get_page(request.GET.get("page"))
    return render(request, "teams/index.html", {"page": page, "form": form})


def _team_context(request: HttpRequest, team: Team, **forms_: Any) -> dict[str, Any]:
    user = _user(request)
    query = request.GET.get("q", "").strip()
    candidates = member_candidates(user=user, team=team, query=query) if query else []
    records = team_records(team=team)
    numbers = member_numbers(records)
    for record in records:
        record.volunteer_number = numbers.get(  # type: ignore[attr-defined]
            (record.team_id, record.veteran_id), "")
    may_act = user.may_act_at(team.region_id)
    return {
        "team": team,
        "members": team_members(team=team),
        "groups": list(team.groups.all()),
        "hours": team_hours(team=team),
        "pending": [r for r in records if r.status == ServiceRecord.Status.PENDING],
        "confirmed": [r for r in records if r.status == ServiceRecord.Status.CONFIRMED],
        "call_ups": team_call_ups(team=team) if team.kind == Team.Kind.SHOCK else [],
        "may_act": may_act,
        "query": query,
        "candidates": candidates,
        "member_form": forms_.get("member_form")
        or forms.MemberAddForm(team=team, candidates=candidates, user=user),
        "records_form": forms_.get("records_form") or forms.RecordsForm(team=team),
        "groups_form": forms.GroupsForm(initial={"groups": [g.kind for g in team.groups.all()]}),
        "call_up_form": forms_.get("call_up_form") or forms.CallUpForm(),
    }


@login_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = team_get_for_user(user=_user(request), pk=pk)
    return render(request, "teams/detail.html", _team_context(request, team))


def _act_add_member(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.MemberAddForm(request.POST, team=team, user=user)
    if not form.is_valid():
        return {"member_form": form}
    services.team_member_add(team=team, by=user, **form.cleaned_data)
    return _("%(name)s joined the team.") % {"name": form.cleaned_data["veteran"].name}


def _act_leave(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.MemberForm(request.POST, team=team)
    if not form.is_valid() or not form.cleaned_data.get("left"):
        raise TeamActionRefused(_("Choose the member and the day they left."))
    services.team_member_leave(member=form.cleaned_data["member"], left=form.cleaned_data["left"],
                               by=user)
    return _("The member has left the team.")


def _act_groups(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.GroupsForm(request.POST)
    if not form.is_valid():
        raise TeamActionRefused(_("Choose at least one service group."))
    services.team_groups_set(team=team, groups=form.cleaned_data["groups"], by=user)
    return _("Service groups saved.")


def _act_records(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.RecordsForm(request.POST, team=team)
    if not form.is_valid():
        return {"records_form": form}
    data = form.cleaned_data
    try:
        records = services.service_records_create(
            team=team, veterans=[m.veteran for m in data["members"]], date=data["date"],
            hours=data["hours"], activity=data["activity"], group=data["group"], by=user,
        )
    except ServiceRecordInvalid as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return {"records_form": form}
    return _("%(count)d record(s) saved, waiting for confirmation.") % {"count": len(records)}


def _act_confirm(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.ConfirmForm(request.POST, team=team)
    if not form.is_valid():
        raise TeamActionRefused(_("Tick the records to confirm."))
    for record in form.cleaned_data["records"]:
        services.service_record_check_confirm(record=record, by=user)
    done = services.service_records_confirm(records=form.cleaned_data["records"], by=user)
    return _("%(count)d record(s) confirmed.") % {"count": done}


def _act_certificate(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.MemberForm(request.POST, team=team)
    if not form.is_valid():
        raise TeamActionRefused(_("Choose the member."))
    certificate = services.certificate_issue(member=form.cleaned_data["member"], by=user)
    return redirect("teams:certificate", pk=certificate.pk)


def _act_call_up(request: HttpRequest, team: Team, user: User) -> Any:
    form = forms.CallUpForm(request.POST)
    if not form.is_valid():
        return {"call_up_form": form}
    call_up = services.call_up_issue(team=team, by=user, **form.cleaned_data)
    return redirect("teams:call_up", pk=call_up.pk)


TEAM_ACTIONS: dict[str, Callable[[HttpRequest, Team, User], Any]] = {
    "add-member": _act_add_member,
    "leave": _act_leave,
    "groups": _act_groups,
    "records": _act_records,
    "confirm": _act_confirm,
    "certificate": _act_certificate,
    "call-up": _act_call_up,
}


@login_required
@require_POST
def team_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step on a team: back to the team page with a message, or the form's errors."""
    user = _user(request)
    team = team_get_for_user(user=user, pk=pk)
    step = TEAM_ACTIONS.get(action)
    if step is None:
        raise Http404
    try:
        outcome = step(request, team, user)
    except TeamActionRefused as exc:
        messages.error(request, exc.message)
        return redirect("teams:detail", pk=team.pk)
    if isinstance(outcome, dict):
        return render(request, "teams/detail.html", _team_context(request, team, **outcome),
                      status=400)
    if isinstance(outcome, HttpResponse):
        return outcome
    messages.success(request, outcome)
    return redirect("teams:detail", pk=team.pk)


@login_required
def team_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirmed records in the columns of the national volunteer information system."""
    user = _user(request)
    team = team_get_for_user(user=user, pk=pk)
    return records_csv(export_records(user=user, team=team), filename=f"service-{team.pk}.csv")


@login_required
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    found = certificate_get_for_user(user=_user(request), pk=pk)
    records = list(found.records.order_by("date", "id"))
    return render(request, "teams/certificate.html", {"certificate": found, "records": records})


# --- the roster --------------------------------------------------------------


@login_required
def roster_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.region_id is None:  # nationwide: pick a province
        return render(request, "teams/roster_pick.html",
                      {"regions": region_children(region=None)})
    return redirect("teams:roster", code=user.region_id)


@login_required
def roster_page(request: HttpRequest, code: str) -> HttpResponse:
    """The villages of an area: who holds each post, where no veteran is secretary,
    the reserve pool and candidates from the registry."""
    user = _user(request)
    region = region_get_for_user(user=user, code=code)
    lacking_only = request.GET.get("lacking") == "1"
    villages = (roster_villages_without_secretary(region=region) if lacking_only
                else roster_villages(region=region))
    page = Paginator(villages, 100).get_page(request.GET.get("page"))
    form = None
    if user.may_act_at(region.code):
        form = forms.AppointForm(request.POST or None, user=user, region=region)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.village_cadre_appoint(village=data["village"], veteran=data["id_number"],
                                               post=data["post"], since=data["since"], by=user)
            except TeamActionRefused as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect(request.get_full_path())
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "region": region,
        "page": page,
        "rows": roster(user=user, region=region, villages=list(page.object_list)),
        "lacking_count": roster_villages_without_secretary(region=region).count(),
        "village_count": roster_villages(region=region).count(),
        "lacking_only": lacking_only,
        "form": form,
        "posts": Post,
    }
    return render(request, "teams/roster.html", context)


@login_required
def cadre_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A cadre's post, training records and yearly assessments (育、管)."""
    user = _user(request)
    cadre = village_cadre_get_for_user(user=user, pk=pk)
    may_act = user.may_act_at(cadre.village_id)
    training = forms.TrainingForm(prefix="training")
    assessment = forms.AssessmentForm(prefix="assessment")
    end = forms.EndTermForm(prefix="end")
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        step = request.POST.get("step")
        try:
            if step == "training":
                training = forms.TrainingForm(request.POST, prefix="training")
                if training.is_valid():
                    services.cadre_training_add(cadre=cadre, by=user, **training.cleaned_data)
                    return redirect("teams:cadre", pk=cadre.pk)
            elif step == "assessment":
                assessment = forms.AssessmentForm(request.POST, prefix="assessment")
                if assessment.is_valid():
                    services.cadre_assessment_set(cadre=cadre, by=user,
                                                  **assessment.cleaned_data)
                    return redirect("teams:cadre", pk=cadre.pk)
            elif step == "end":
                end = forms.EndTermForm(request.POST, prefix="end")
                if end.is_valid():
                    services.village_cadre_end(cadre=cadre, by=user, **end.cleaned_data)
                    return redirect("teams:cadre", pk=cadre.pk)
        except TeamActionRefused as exc:
            messages.error(request, exc.message)
            return redirect("teams:cadre", pk=cadre.pk)
    context = {
        "cadre": cadre,
        "trainings": list(cadre.trainings.all()),
        "assessments": list(cadre.assessments.all()),
        "may_act": may_act,
        "training_form": training,
        "assessment_form": assessment,
        "end_form": end,
    }
    return render(request, "teams/cadre.html", context)


# --- call-ups ----------------------------------------------------------------

ANSWER_SALT = "teams.call-up-answer"


def answer_token(call_up: CallUp, member_pk: int) -> str:
    return signing.dumps([call_up.pk, member_pk], salt=ANSWER_SALT, compress=True)


@login_required
def call_up_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Who answered, staff marking answers, the member links, attendance afterwards."""
    user = _user(request)
    call_up = call_up_get_for_user(user=user, pk=pk)
    may_act = user.may_act_at(call_up.region_id)
    attendance = forms.AttendanceForm(call_up=call_up, prefix="attendance")
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        try:
            if request.POST.get("step") == "mark":
                mark = forms.AnswerMarkForm(request.POST, call_up=call_up)
                if mark.is_valid():
                    services.call_up_answer(call_up=call_up, by=user, **mark.cleaned_data)
            elif request.POST.get("step") == "attendance":
                attendance = forms.AttendanceForm(request.POST, call_up=call_up,
                                                  prefix="attendance")
                if attendance.is_valid():
                    data = attendance.cleaned_data
                    services.call_up_attendance_record(
                        call_up=call_up, veterans=[m.veteran for m in data["members"]],
                        hours=data["hours"], by=user,
                    )
                    messages.success(request, _("Attendance recorded as service records."))
        except (TeamActionRefused, ServiceRecordInvalid) as exc:
            messages.error(request, exc.message)
        if not attendance.errors:
            return redirect("teams:call_up", pk=call_up.pk)
    answers = {a.member_id: a for a in call_up.answers.all()}
    members = list(call_up.team.members.filter(left__isnull=True).select_related("veteran"))
    rows = [
        (m, answers.get(m.pk), request.build_absolute_uri(
            reverse("teams:answer", kwargs={"token": answer_token(call_up, m.pk)})))
        for m in members
    ]
    context = {
        "call_up": call_up,
        "rows": rows,
        "available": sum(1 for a in answers.values() if a.available),
        "may_act": may_act,
        "attendance_form": attendance,
    }
    return render(request, "teams/call_up.html", context)


def call_up_answer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The member's own page, reached from the link sent to their phone: no login."""
    try:
        call_up_pk, member_pk = signing.loads(token, salt=ANSWER_SALT, max_age=7 * 24 * 3600)
    except signing.BadSignature as exc:
        raise Http404 from exc
    call_up = CallUp.objects.select_related("team", "team__centre").filter(pk=call_up_pk).first()
    member = call_up.team.members.select_related("veteran").filter(pk=member_pk).first() \
        if call_up else None
    if call_up is None or member is None:
        raise Http404
    answered = None
    if request.method == "POST":
        try:
            answered = services.call_up_answer(
                call_up=call_up, member=member, available=request.POST.get("available") == "yes"
            )
        except TeamActionRefused as exc:
            messages.error(request, exc.message)
    return render(request, "teams/answer.html",
                  {"call_up": call_up, "member": member, "answered": answered})
