"""Writes of the regular-contact room: opening a holiday campaign."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from centres.models import Level, Region, User
from contacts.models import Campaign
from veterans.audit import audit_record
from veterans.models import PRIORITY_FLAGS, AuditEntry

# Campaigns are opened by a county or a higher level (the stations do the visiting).
CAMPAIGN_LEVELS = (Level.COUNTY, Level.CITY, Level.PROVINCE)


@transaction.atomic
def campaign_open(
    *, by: User, region: Region, name: str, kind: str, starts_on: datetime.date,
    ends_on: datetime.date, groups: Sequence[str],
) -> Campaign:
    """Open a holiday campaign (走访慰问) for a county or higher region in the user's area."""
    if not by.may_act_at(region.code):
        raise PermissionDenied(_("Only staff of the region may open its campaigns."))
    errors: dict[str, str] = {}
    if region.level not in CAMPAIGN_LEVELS:
        errors["region"] = _("Campaigns are opened by a county or a higher level.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day is before the first day.")
    if not groups or any(group not in PRIORITY_FLAGS for group in groups):
        errors["groups"] = _("Choose the groups of priority veterans the campaign covers.")
    if kind not in Campaign.Kind.values:
        errors["kind"] = _("Choose the kind of campaign.")
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        region=region, name=name.strip() or str(Campaign.Kind(kind).label), kind=kind,
        starts_on=starts_on, ends_on=ends_on,
        groups=[flag for flag in PRIORITY_FLAGS if flag in groups], created_by=by,
    )
    audit_record(actor=by, action=AuditEntry.Action.CREATE, obj=campaign, changes={
        "region": region.code, "name": campaign.name, "kind": kind,
        "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
        "groups": campaign.groups,
    })
    return campaign
