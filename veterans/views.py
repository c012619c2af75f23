"""Pages: the visit log at the front desk and the veteran registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from centres.requests import AuthenticatedHttpRequest
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
    query = request.GET.get("q", "").strip()
    form = VisitForm(request.POST or None, user=user, cases_enabled=cases_enabled)
    new_form = InlineVeteranForm(
        request.POST if form.registers_new else None, prefix="new", user=user, regions=regions
    )
    if request.method == "POST" and centre is not None:
        key = request.POST.get("idempotency_key", "")
        done = services.visit_by_key(by=user, idempotency_key=key)
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
                "idempotency_key": form.cleaned_data["idempotency_key"],
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
            except services.DuplicateIdNumber as exc:
                new_form.add_error("id_number", exc)
                new_form.duplicate_of = exc.existing
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Visit saved: %(name)s, %(purpose)s.")
                    % {"name": visit.veteran.name, "purpose": visit.get_purpose_display()},
                )
                return redirect("visits:new")
    candidates = selectors.veteran_search(user=user, query=query) if query else []
    if form.chosen is not None and form.chosen not in candidates:
        candidates.insert(0, form.chosen)
    context = {
        "centre": centre,
        "form": form,
        "new_form": new_form,
        "query": query,
        "candidates": candidates,
        "chosen": request.POST.get("veteran", ""),
        "today": selectors.visits_today(user=user, centre=centre) if centre else [],
        "cases_enabled": cases_enabled,
    }
    return render(request, "veterans/visit_new.html", context, status=200)


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
                "birth_date": v.birth_date.isoformat(),
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
    visits = selectors.visit_list(user=request.user)
    return _export(request, VisitFilter(request.GET, queryset=visits), visits_export, "visits")


# --- the registry -------------------------------------------------------------

@login_required
@require_GET
def veteran_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = VeteranFilter(request.GET, queryset=selectors.veteran_list(user=request.user))
    page = Paginator(filterset.qs if filterset.is_valid() else filterset.queryset.none(),
                     PAGE_SIZE).get_page(request.GET.get("page"))
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
        request, VeteranFilter(request.GET, queryset=veterans), veterans_export, "veterans"
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
    return render(request, "veterans/veteran_detail.html", {
        "veteran": veteran,
        "full_number": full_number,
        "may_reveal": may_reveal,
        "visits": selectors.veteran_visits(user=request.user, veteran=veteran),
        "trail": selectors.audit_trail_for_user(user=request.user, obj=veteran),
    })


def _save_veteran(request: AuthenticatedHttpRequest, form: VeteranForm) -> Any:
    try:
        if form.instance_before is not None:
            return services.veteran_update(
                veteran=form.instance_before, by=request.user, data=form.veteran_data()
            )
        return services.veteran_create(by=request.user, data=form.veteran_data())
    except services.DuplicateIdNumber as exc:
        form.add_error("id_number", exc)
        form.duplicate_of = exc.existing
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
        veteran = _save_veteran(request, form)
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
    return render(request, "veterans/import_job.html", {
        "job": job, "progress": import_progress(job.pk), "errors": job.errors[:100],
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
    return _xlsx(error_report_workbook(job.errors), f"import-{job.pk}-errors.xlsx")
