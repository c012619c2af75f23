"""Pages: the visit log at the front desk and the veteran registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from centres.idempotency import KEY_LENGTH, Idempotency
from centres.requests import AuthenticatedHttpRequest
from centres.selectors import centre_get_for_user, region_paths
from veterans import selectors, services
from veterans.exports import veterans_export, visits_export
from veterans.filters import VeteranFilter, VisitFilter
from veterans.forms import ImportForm, InlineVeteranForm, VeteranForm, VisitForm
from veterans.imports import error_report_workbook, template_workbook
from veterans.models import ImportJob
from veterans.signals import case_requested
from veterans.tasks import import_progress

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _staff_only(request: AuthenticatedHttpRequest) -> None:
    if not request.user.is_staff_member:
        raise PermissionDenied(_("Only staff may change the registry and the visit log."))


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- visits -------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log a visit: find or register the veteran, say why they came, save, next."""
    _staff_only(request)
    user = request.user
    centre = selectors.user_centre(user)
    cases_enabled = case_requested.has_listeners()
    regions = selectors.home_regions_for(user)
    # The search typed before saving comes back with the form (a copy rides in the POST).
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()
    data = request.POST.copy() if request.method == "POST" else None
    use = data.get("use_veteran", "") if data is not None else ""
    if data is not None and use:
        # "Use this veteran" after an inline registration hit a registered number:
        # the visit stays as typed, with that veteran chosen instead; nothing is saved yet.
        data["veteran"] = use
    # A link may choose the veteran and the channel (the contact work-list's "log a home
    # visit": ?veteran=<id>&channel=home_visit).
    initial = {key: request.GET[key] for key in ("veteran", "channel") if request.GET.get(key)}
    form = VisitForm(data, user=user, cases_enabled=cases_enabled, initial=initial)
    new_form = InlineVeteranForm(
        data if form.registers_new else None, prefix="new", user=user, regions=regions
    )
    if data is not None and centre is not None and not use:
        # The form's own key (made when the page was drawn): a double click or a
        # resent page is the same visit, whatever the second body says.
        once = Idempotency(request.POST.get("idempotency_key", "").strip()[:KEY_LENGTH])
        done = services.visit_by_key(by=user, once=once)
        if done is not None:  # a double click or a retried request: nothing new
            messages.info(request, _("This visit was already saved."))
            return redirect("visits:new")
        if form.is_valid() and (not form.registers_new or new_form.is_valid()):
            visit_fields = {
                "centre": centre,
                "channel": form.cleaned_data["channel"],
                "purpose": form.cleaned_data["purpose"],
                "summary": form.cleaned_data["summary"],
                "outcome": form.cleaned_data["outcome"],
                "once": once,
                "case_category": form.cleaned_data.get("case_category", "")
                if form.cleaned_data.get("open_case") else "",
            }
            try:
                if form.registers_new:
                    visit, _created = services.visit_log_for_new_veteran(
                        by=user, veteran_data=new_form.veteran_data(), **visit_fields
                    )
                else:
                    assert form.chosen is not None
                    visit, _created = services.visit_log(
                        by=user, veteran=form.chosen, **visit_fields
                    )
            except services.TransferRequested as exc:
                messages.info(request, str(exc))
                return redirect("veterans:transfers")
            except services.TooManyElsewhere as exc:
                new_form.add_error("id_number", str(exc))
            except services.DuplicateIdNumber as exc:
                _duplicate(new_form, exc)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _visit_saved_message(visit))
                return redirect("visits:new")
    if use:
        form.is_valid()  # finds the chosen veteran; the clerk saves with the next click
    candidates = selectors.veteran_search(user=user, query=query) if query else []
    chosen = form.chosen or (
        selectors.veteran_visible(user=user, pk=initial["veteran"])
        if request.method == "GET" and "veteran" in initial else None
    )
    if chosen is not None and chosen not in candidates:
        candidates.insert(0, chosen)
    paths = region_paths(v.region_id for v in candidates)
    for v in candidates:
        v.region_path = paths[v.region_id]
    context = {
        "centre": centre,
        "form": form,
        "new_form": new_form,
        "query": query,
        "candidates": candidates,
        "chosen": data.get("veteran", "") if data is not None else (
            str(chosen.pk) if chosen else ""),
        "today": selectors.visits_today(user=user, centre=centre) if centre else [],
        "cases_enabled": cases_enabled,
    }
    return render(request, "veterans/visit_new.html", context, status=200)


def _visit_saved_message(visit: Any) -> str:
    """The visit, and a link to each case opened with it (its number)."""
    saved = _("Visit saved: %(name)s, %(purpose)s.") % {
        "name": visit.veteran.name, "purpose": visit.get_purpose_display()
    }
    opened = getattr(visit, "opened", [])
    if not opened:
        return saved
    links = format_html_join(
        " ", '<a href="{}">{}</a>', ((item.get_absolute_url(), str(item)) for item in opened)
    )
    return format_html("{} {} {}", saved, _("Case opened:"), links)


@login_required
@require_GET
def veteran_search(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Search-as-you-type for the visit page: a few veterans, ID numbers masked."""
    found = selectors.veteran_search(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse({
        "results": [
            {
                "id": v.pk,
                "name": v.name,
                "id_number": v.id_number_masked,
                "sex": v.get_sex_display(),
                "birth_year": v.birth_year,
                "born": _("born %(year)s") % {"year": v.birth_year},
                "phone": v.phone,
                "region": v.region.name,
                "needs_assistance": v.needs_assistance,
            }
            for v in found
        ]
    })


def _export(
    request: HttpRequest, filterset: Any, export: Callable[..., IO[bytes]], stem: str
) -> HttpResponseBase:
    """The filtered rows as .xlsx (always masked), or 400 for a bad filter."""
    if not filterset.is_valid():
        return HttpResponse(str(filterset.errors), status=400, content_type="text/plain")
    handle = export(queryset=filterset.qs, by=request.user, filters=filterset.form.cleaned_data)
    return FileResponse(handle, as_attachment=True, filename=f"{stem}-{_stamp()}.xlsx",
                        content_type=XLSX)


@login_required
@require_GET
def visit_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    if request.GET.get("centre"):  # a centre outside the jurisdiction: 404, as everywhere
        centre_get_for_user(user=request.user, code=request.GET["centre"])
    visits = selectors.visit_list(user=request.user)
    return _export(request, VisitFilter(request.GET, queryset=visits), visits_export, "visits")


# --- the registry -------------------------------------------------------------

@login_required
@require_GET
def veteran_list(request: HttpRequest) -> HttpResponse:
    filterset = VeteranFilter(
        request.GET, queryset=selectors.veteran_list(user=request.user), request=request
    )
    page = Paginator(filterset.qs if filterset.is_valid() else filterset.queryset.none(),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    paths = region_paths(v.region_id for v in page)
    for v in page:
        v.region_path = paths[v.region_id]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "veterans/veteran_list.html", {
        "filter": filterset,
        "page": page,
        "query_string": params.urlencode(),
    })


@login_required
@require_GET
def veteran_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    veterans = selectors.veteran_list(user=request.user)
    return _export(
        request, VeteranFilter(request.GET, queryset=veterans, request=request),
        veterans_export, "veterans",
    )


@login_required
@require_http_methods(["GET", "POST"])
def veteran_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The veteran, the visit history and, for officials, the audit trail.

    POST reveals the full ID number to a user allowed to see it, and audits it.
    """
    veteran = selectors.veteran_get_for_user(user=request.user, pk=pk)
    full_number = ""
    may_reveal = selectors.id_number_visible_to(request.user, veteran)
    if request.method == "POST":
        full_number = services.veteran_id_number_reveal(veteran=veteran, by=request.user)
    trail = selectors.audit_trail_for_user(user=request.user, obj=veteran)
    return render(request, "veterans/veteran_detail.html", {
        "veteran": veteran,
        "region_path": region_paths([veteran.region_id])[veteran.region_id],
        "full_number": full_number,
        "may_reveal": may_reveal,
        "visits": selectors.veteran_visits(user=request.user, veteran=veteran),
        "trail": trail,
        "trail_display": selectors.audit_trail_display(trail),
    })


def _duplicate(form: VeteranForm, exc: services.DuplicateIdNumber) -> None:
    """A number registered meanwhile: linked only when the user sees the veteran."""
    form.add_error("id_number", exc)
    if form.user.may_see(exc.existing.region_id):
        form.duplicate_of = exc.existing


def _save_veteran(request: HttpRequest, form: VeteranForm) -> Any:
    """The saved veteran; None with the form's errors; or TransferRequested raised."""
    try:
        if form.instance_before is not None:
            return services.veteran_update(
                veteran=form.instance_before, by=request.user, data=form.veteran_data()
            )
        return services.veteran_create(by=request.user, data=form.veteran_data())
    except services.TooManyElsewhere as exc:
        form.add_error("id_number", str(exc))
    except services.DuplicateIdNumber as exc:
        _duplicate(form, exc)
    except ValidationError as exc:
        _form_errors(form, exc)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def veteran_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    regions = selectors.home_regions_for(request.user)
    form = VeteranForm(request.POST or None, user=request.user, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            veteran = _save_veteran(request, form)
        except services.TransferRequested as exc:
            messages.info(request, str(exc))
            return redirect("veterans:transfers")
        if veteran is not None:
            messages.success(request, _("Veteran registered."))
            return redirect("veterans:detail", pk=veteran.pk)
    return render(request, "veterans/veteran_form.html", {"form": form, "veteran": None})


@login_required
@require_http_methods(["GET", "POST"])
def veteran_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    veteran = selectors.veteran_get_for_user(user=request.user, pk=pk)
    before = selectors.veteran_get_for_user(user=request.user, pk=pk)
    regions = selectors.home_regions_for(request.user)
    form = VeteranForm(request.POST or None, instance=veteran, user=request.user, regions=regions)
    form.instance_before = before  # the ModelForm writes into `instance` while cleaning
    if request.method == "POST" and form.is_valid():
        saved = _save_veteran(request, form)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("veterans:detail", pk=saved.pk)
    return render(request, "veterans/veteran_form.html", {"form": form, "veteran": before})


# --- transfer requests (迁入申请) ------------------------------------------------

@login_required
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Both queues: requests to this jurisdiction's counties, and requests made from it."""
    incoming, outgoing = selectors.transfer_queues(user=request.user)
    return render(request, "veterans/transfer_list.html", {
        "incoming": incoming, "outgoing": outgoing,
    })


@login_required
@require_POST
def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or decline a pending request (staff of the holding county)."""
    transfer = selectors.transfer_get_for_user(user=request.user, pk=pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.transfer_request_decide(transfer=transfer, by=request.user, approve=approve)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, _("Transfer request approved.") if approve
                         else _("Transfer request declined."))
    return redirect("veterans:transfers")


# --- import -------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    _staff_only(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.import_job_create(
            by=request.user, upload=form.cleaned_data["file"], mode=form.cleaned_data["mode"]
        )
        return redirect("veterans:import_job", pk=job.pk)
    jobs = ImportJob.objects.visible_to(request.user).order_by("-created_at")[:10]
    return render(request, "veterans/import.html", {"form": form, "jobs": jobs})


@login_required
@require_GET
def import_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _xlsx(template_workbook(), "veterans-import-template.xlsx")


@login_required
@require_GET
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    owner = job.created_by_id == request.user.pk
    return render(request, "veterans/import_job.html", {
        "job": job, "progress": import_progress(job.pk), "owner": owner,
        # The report is its owner's, for IMPORT_REPORT_DAYS; others see the figures.
        "errors": job.errors[:100] if owner else [],
        "failure": job.errors[0][2] if job.status == ImportJob.Status.FAILED and job.errors
        else "",
        "report_days": settings.IMPORT_REPORT_DAYS,
    })


@login_required
@require_GET
def import_job_progress(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    # The cache holds the progress of a running job; a finished one answers from its row.
    progress = (
        {"done": job.rows_total, "total": job.rows_total} if job.finished
        else import_progress(job.pk)
    )
    return JsonResponse({
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.finished,
        "done": progress["done"],
        "total": progress["total"],
        "url": reverse("veterans:import_job", args=[job.pk]),
    })


@login_required
@require_GET
def import_job_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = selectors.import_job_get_for_user(user=request.user, pk=pk)
    if job.created_by_id != request.user.pk:
        raise Http404
    return _xlsx(error_report_workbook(job.errors), f"import-{job.pk}-errors.xlsx")
