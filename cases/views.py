"""Pages: the queue, a case with its timeline and actions, opening a case, the agreement."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.forms import ACTION_FORMS, ACTION_LABELS, ActionForm, CaseOpenForm
from cases.models import Category, MediationMethod, Status
from cases.selectors import (
    agreement_mediation,
    case_detail_for_user,
    case_get_for_user,
    notification_list,
    queue_cases,
    queue_counts,
    queue_tabs,
)
from cases.services import case_allowed_actions, case_open
from centres.errors import DomainError
from centres.models import Centre, User
from centres.requests import AuthenticatedHttpRequest
from centres.selectors import centre_paths, region_paths
from config.errors import domain_status
from teams.selectors import mediator_suggestions
from veterans.models import Visit
from veterans.selectors import veteran_search, veteran_search_one

# The visit purpose that suggests a case category, when a case is opened from a visit.
PURPOSE_TO_CATEGORY = {"employment": Category.EMPLOYMENT, "assistance": Category.BENEFITS}


@login_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's queue: tabs with counts (one query), the tab's cases, the reminders."""
    tabs = queue_tabs(user=request.user)
    current = next((t for t in tabs if t.key == request.GET.get("tab")), tabs[0])
    query = request.GET.get("q", "").strip()[:100]
    counts = queue_counts(user=request.user, tabs=tabs, query=query)
    page = Paginator(queue_cases(user=request.user, tab=current, query=query), 50).get_page(
        request.GET.get("page")
    )
    # Same-name stations (four 青石村 in a county) read with their township: 东山镇 › 青石村….
    held = centre_paths(case.centre for case in page.object_list)
    context = {
        "tabs": [(t, counts[t.key]) for t in tabs],
        "current": current,
        "page": page,
        "rows": [(case, held[case.region_id]) for case in page.object_list],
        "query": query,
        "notifications": notification_list(user=request.user),
    }
    return render(request, "cases/queue.html", context)


def _detail(
    request: AuthenticatedHttpRequest, pk: int, *, bound: ActionForm | None = None,
    refusal: str = "", status: int = 200,
) -> HttpResponse:
    case = case_detail_for_user(user=request.user, pk=pk)
    allowed = case_allowed_actions(case=case, by=request.user)
    forms = []
    for name in allowed:
        if bound is not None and bound.prefix == name:
            forms.append((name, ACTION_LABELS[name], bound))
        else:
            forms.append((name, ACTION_LABELS[name], ACTION_FORMS[name](case=case, prefix=name)))
    veterans = list(case.veterans.all())
    near = veterans[0].region_id if veterans else case.region_id
    context = {
        "case": case,
        "events": list(case.events.all()),
        "veterans": veterans,
        # 兵支书 and volunteers living nearest the dispute, for the mediation form
        "mediators": mediator_suggestions(user=cast(User, request.user), near=near)
        if "mediate" in allowed else [],
        "forms": forms,
        "refusal": refusal,
    }
    return render(request, "cases/detail.html", context, status=status)


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The case, its timeline, and one form per action the user may take now."""
    return _detail(request, pk)


@login_required
@require_POST
def act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """Perform one transition: 404 outside, 400 bad input, 409 refused, else back to the case."""
    case = case_get_for_user(user=request.user, pk=pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    form = form_class(request.POST, case=case, prefix=action)
    if not form.is_valid():
        return _detail(request, pk, bound=form, status=400)
    try:
        form.call(by=request.user)
    except DomainError as exc:
        return _detail(request, pk, refusal=exc.message, status=domain_status(exc))
    messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    return redirect("cases:detail", pk=pk)


def _initial_from_visit(request: AuthenticatedHttpRequest) -> tuple[dict[str, Any], Visit | None]:
    own = request.user.region_id
    initial: dict[str, Any] = {"centre": region_paths([own])[own] if own else ""}
    raw = request.GET.get("visit", "")
    if not raw.isdigit():
        return initial, None
    visit = (
        Visit.objects.visible_to(request.user).select_related("veteran", "centre")
        .filter(pk=int(raw)).first()
    )
    if visit is None:
        raise Http404
    initial.update(
        centre=region_paths([visit.region_id])[visit.region_id],
        veteran=visit.veteran_id,
        visit=visit.pk,
        summary=visit.summary,
        category=PURPOSE_TO_CATEGORY.get(visit.purpose, Category.OTHER),
    )
    return initial, visit


@login_required
def new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open a case (受理登记), optionally prefilled from a visit (`?visit=<id>`)."""
    initial, visit = _initial_from_visit(request)
    form = CaseOpenForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = case_open(
                    centre=data["centre"], category=data["category"], summary=data["summary"],
                    by=request.user, risk_level=data["risk_level"],
                    other_parties=data["other_parties"],
                    veterans=[data["veteran"]] if data["veteran"] else [],
                    visit=data["visit"], accept=data["accept"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = domain_status(exc)
            else:
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                return redirect("cases:detail", pk=case.pk)
        else:
            status = 400
    centres = list(Centre.objects.visible_to(request.user).order_by("region_id").only(
        "region_id", "name"
    )[:300])
    places = region_paths(c.region_id for c in centres)
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()
    candidates = veteran_search(user=request.user, query=query) if query else []
    chosen = str(form["veteran"].value() or "")
    known = veteran_search_one(user=request.user, pk=chosen)
    if known is not None and known not in candidates:
        candidates.insert(0, known)
    context = {
        "form": form, "visit": visit, "query": query, "candidates": candidates,
        "chosen": chosen,
        "centres": [(places[c.region_id], c.name) for c in centres],
    }
    return render(request, "cases/new.html", context, status=status)


@login_required
def agreement(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The printable mediation agreement (人民调解协议书) of a resolved or closed case."""
    case = case_detail_for_user(user=request.user, pk=pk)
    if case.status == Status.OPEN:
        return _detail(request, pk, refusal=_("The agreement exists once the case is resolved."),
                       status=409)
    events = list(case.events.all())
    resolve, mediation = agreement_mediation(events)
    context = {
        "case": case,
        "veterans": list(case.veterans.all()),
        "mediation": mediation,
        "resolve": resolve,
        "centre": resolve.to_centre if resolve else case.centre,
        "method": MediationMethod(mediation.extra["method"]).label
        if mediation and mediation.extra.get("method") in MediationMethod.values else "",
    }
    return render(request, "cases/agreement.html", context)
