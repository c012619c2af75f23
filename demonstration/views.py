"""Pages: the target, the assessment forms and queues, revocation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from centres.errors import DomainError, Refused
from centres.models import Centre
from centres.requests import AuthenticatedHttpRequest
from demonstration.forms import AssessmentScoresForm, CommentForm, RevokeForm
from demonstration.models import Assessment, StandardItem
from demonstration.selectors import (
    assessment_get_for_user,
    assessments_of_own_centre,
    assessments_to_approve,
    assessments_to_review,
    designation_get_for_user,
    score_with_evidence_get_for_user,
    target_candidates,
    target_rows,
    target_summary_of,
)
from demonstration.services import (
    assessment_approve,
    assessment_create,
    assessment_forward,
    assessment_result,
    assessment_return,
    assessment_scores_save,
    assessment_submit,
    designation_revoke,
    may_approve,
    may_review,
    may_self_assess,
    this_year,
)
from demonstration.targets import centre_is_eligible


def _year(request: AuthenticatedHttpRequest) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return this_year()


@login_required
def targets(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The model regions of the user's area against the 60% target, and who could close the gap."""
    year = _year(request)
    rows = target_rows(user=request.user, year=year)
    candidates = target_candidates(rows=rows, year=year)
    current = this_year()
    context = {
        "year": year,
        "years": list(range(current, current - 8, -1)),
        "rows": [(row, candidates.get(row.region.code, [])) for row in rows],
        "short": sum(1 for row in rows if not row.meets_target),
        "summary": target_summary_of(rows, year=year),
        "computed_at": next((row.computed_at for row in rows if row.computed_at), None),
    }
    return render(request, "demonstration/targets.html", context)


@login_required
def assessment_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's own centre's assessments, then what waits for their review or approval."""
    user = request.user
    own_centre = (
        Centre.objects.visible_to(user).filter(region_id=user.region_id).first()
        if user.region_id and user.is_staff_member
        else None
    )
    context = {
        "own_centre": own_centre,
        "may_start": bool(
            own_centre and may_self_assess(user, own_centre) and centre_is_eligible(own_centre)
        ),
        "own": list(assessments_of_own_centre(user=user)),
        "to_review": list(assessments_to_review(user=user)),
        "to_approve": list(assessments_to_approve(user=user)),
        "year": this_year(),
    }
    return render(request, "demonstration/assessment_list.html", context)


@login_required
@require_POST
def assessment_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    centre = Centre.objects.visible_to(user).filter(region_id=user.region_id).first()
    if centre is None:
        raise Http404
    try:
        assessment = assessment_create(centre=centre, by=user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("demonstration:assessments")
    messages.success(request, _("Self-assessment started."))
    return redirect("demonstration:assessment", pk=assessment.pk)


@login_required
def assessment_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The scores per indicator; the self-assessment form while the centre may edit it."""
    user = request.user
    assessment = assessment_get_for_user(user=user, pk=pk)
    items = list(
        StandardItem.objects.filter(dimension__standard=assessment.standard).select_related(
            "dimension"
        )
    )
    scores = {s.item_id: s for s in assessment.scores.all()}
    editable = assessment.status == Assessment.Status.DRAFT and may_self_assess(
        user, assessment.centre
    )
    form = AssessmentScoresForm(
        request.POST or None, request.FILES or None, items=items, scores=scores
    )
    if request.method == "POST":
        if not editable:
            messages.error(request, _("This assessment cannot be edited now."))
            return redirect("demonstration:assessment", pk=pk)
        if form.is_valid():
            try:
                assessment_scores_save(
                    assessment=assessment, scores=form.score_inputs(), by=user
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Scores saved."))
                return redirect("demonstration:assessment", pk=pk)
    result = assessment_result(assessment)
    context = {
        "assessment": assessment,
        "form": form,
        "editable": editable,
        "result": result,
        "dimension_points": [
            (d, result.by_dimension[d.code]) for d in assessment.standard.dimensions.all()
        ],
        "events": list(assessment.events.select_related("by")),
        "may_review": assessment.status == Assessment.Status.SUBMITTED
        and may_review(user, assessment.centre),
        "may_approve": assessment.status == Assessment.Status.FORWARDED
        and may_approve(user, assessment.centre),
        "comment_form": CommentForm(),
    }
    return render(request, "demonstration/assessment_detail.html", context)


def _submit(request: AuthenticatedHttpRequest, assessment: Assessment, comment: str) -> Assessment:
    return assessment_submit(assessment=assessment, by=request.user)


def _return(request: AuthenticatedHttpRequest, assessment: Assessment, comment: str) -> Assessment:
    return assessment_return(assessment=assessment, by=request.user, comment=comment)


def _forward(request: AuthenticatedHttpRequest, assessment: Assessment, comment: str) -> Assessment:
    return assessment_forward(assessment=assessment, by=request.user, comment=comment)


def _approve(request: AuthenticatedHttpRequest, assessment: Assessment, comment: str) -> Assessment:
    return assessment_approve(assessment=assessment, by=request.user, note=comment)


Step = Callable[[AuthenticatedHttpRequest, Assessment, str], Assessment]
TRANSITIONS: dict[str, tuple[Step, Any]] = {
    "submit": (_submit, gettext_lazy("Submitted for review.")),
    "return": (_return, gettext_lazy("Returned to the centre.")),
    "forward": (_forward, gettext_lazy("Forwarded for approval.")),
    "approve": (_approve, gettext_lazy("Approved.")),
}


@login_required
@require_POST
def assessment_transition(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow step; a refused step comes back as a message on the page."""
    step = TRANSITIONS.get(action)
    if step is None:
        raise Http404
    assessment = assessment_get_for_user(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    service, done = step
    try:
        service(request, assessment, comment)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("demonstration:assessment", pk=pk)


@login_required
def evidence_download(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """An evidence file, served only to users whose area holds the assessment."""
    score = score_with_evidence_get_for_user(user=request.user, pk=pk)
    return FileResponse(
        score.evidence.open("rb"), as_attachment=True,
        filename=f"{score.item.number}{Path(score.evidence.name).suffix}",
    )


@login_required
@require_POST
def designation_revoke_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    designation = designation_get_for_user(user=request.user, pk=pk)
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused(_("Give the reason for revoking the designation."))
        designation_revoke(
            designation=designation, by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The designation was revoked."))
    return redirect(reverse("centres:detail", args=[designation.centre.region_id]))
