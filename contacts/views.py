"""Pages: the station's work-list, the day's route list and the holiday campaigns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from centres.models import Level, Region, User
from contacts import selectors, services
from contacts.forms import CampaignForm, RouteForm, WorklistFilter
from contacts.rules import Periods


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _above_station(user: User) -> bool:
    """A county or higher user (or nationwide): the work-list waits for a chosen place."""
    return user.region is None or user.region.level not in (Level.TOWNSHIP, Level.VILLAGE)


@login_required
@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """The priority veterans of the user's area, by village, most urgent first."""
    user = _user(request)
    today = timezone.localdate()
    villages = selectors.worklist_villages(user)
    form = WorklistFilter(request.GET or None, villages=villages)
    # Above a township the list would run to tens of thousands: choose a place first.
    choose_first = _above_station(user) and not form.value("village")
    groups = [] if choose_first else selectors.worklist(
        user=user, on=today, village=form.value("village"), group=form.value("group"))
    campaigns = [
        (campaign, selectors.campaign_progress(campaign=campaign, user=user))
        for campaign in selectors.campaigns_in_force(user=user, on=today)
    ]
    return render(request, "contacts/worklist.html", {
        "form": form,
        "groups": groups,
        "rows": sum(len(g.rows) for g in groups),
        "periods": Periods.containing(today),
        "campaigns": campaigns,
        "choose_first": choose_first,
        # The report of a campaign opened above the user's area is not theirs to read.
        "reportable": {c.pk for c, _progress in campaigns if user.may_see(c.region_id)},
        "may_open_campaign": user.is_staff_member and user.region is not None
        and user.region.level in services.CAMPAIGN_LEVELS,
    })


@login_required
@require_GET
def route(request: HttpRequest) -> HttpResponse:
    """A printable list of the home visits still to make, for one day's round."""
    user = _user(request)
    form = RouteForm(request.GET or None, villages=selectors.worklist_villages(user))
    day = form.day_or_today()
    choose_first = _above_station(user) and not form.value("village")
    return render(request, "contacts/route.html", {
        "form": form, "day": day, "choose_first": choose_first,
        "groups": [] if choose_first else selectors.route_list(
            user=user, on=day, village=form.value("village")),
    })


def _campaign_regions(user: User) -> list[Region]:
    if user.region is None:
        return list(Region.objects.filter(level="province").order_by("code"))
    return list(Region.objects.visible_to(user).filter(
        level__in=services.CAMPAIGN_LEVELS).order_by("code")[:500])


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.is_staff_member:
        raise PermissionDenied(_("Only staff may open a campaign."))
    form = CampaignForm(request.POST or None, regions=_campaign_regions(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_open(
                by=user, region=form.chosen_region(), name=data["name"], kind=data["kind"],
                starts_on=data["starts_on"], ends_on=data["ends_on"], groups=data["groups"],
            )
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Campaign opened: %(name)s.") % {"name": campaign.name})
            return redirect("contacts:campaign", pk=campaign.pk)
    return render(request, "contacts/campaign_new.html", {"form": form})


@login_required
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The campaign's report: per child region, with the own row (本级) and the total."""
    user = _user(request)
    campaign = selectors.campaign_get_for_user(user=user, pk=pk)
    return render(request, "contacts/campaign.html", {
        "campaign": campaign,
        "report": selectors.campaign_report(campaign=campaign),
    })
