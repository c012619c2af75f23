"""Forms of the regular-contact pages."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres.models import Region
from contacts.models import GROUP_CHOICES, Campaign
from contacts.services import CAMPAIGN_LEVELS


class WorklistFilter(forms.Form):
    village = forms.ChoiceField(label=_("home village"), required=False)
    group = forms.ChoiceField(label=_("priority group"), required=False,
                              choices=[("", _("all priority veterans")), *GROUP_CHOICES])

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        village = self.fields["village"]
        assert isinstance(village, forms.ChoiceField)
        village.choices = [("", _("all villages")), *[(r.code, r.name) for r in villages]]

    def value(self, name: str) -> str:
        return str(self.cleaned_data.get(name) or "") if self.is_valid() else ""


class RouteForm(WorklistFilter):
    day = forms.DateField(label=_("day of the visits"), required=False,
                          widget=forms.DateInput(attrs={"type": "date"}))

    def day_or_today(self) -> datetime.date:
        day = self.cleaned_data.get("day") if self.is_valid() else None
        return day or timezone.localdate()


class CampaignForm(forms.Form):
    region = forms.ChoiceField(label=_("region"))
    kind = forms.ChoiceField(label=_("kind"), choices=Campaign.Kind.choices)
    name = forms.CharField(label=_("name"), max_length=100, required=False,
                           help_text=_("e.g. 2027年春节走访慰问; left empty, the kind's name."))
    starts_on = forms.DateField(label=_("first day"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("last day"),
                              widget=forms.DateInput(attrs={"type": "date"}))
    groups = forms.MultipleChoiceField(
        label=_("groups covered"), choices=GROUP_CHOICES, widget=forms.CheckboxSelectMultiple,
        initial=[code for code, _label in GROUP_CHOICES],
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.regions = {r.code: r for r in regions if r.level in CAMPAIGN_LEVELS}
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [(r.code, r.name) for r in self.regions.values()]

    def chosen_region(self) -> Region:
        return self.regions[self.cleaned_data["region"]]
