"""Forms of the registry and the visit page. The rules live in services; forms ask them."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from centres.models import Region, User
from centres.selectors import region_paths
from centres.tabular import RowError, size_check
from veterans.idnumbers import birth_date_of, normalize_id_number
from veterans.models import ImportJob, Veteran, Visit
from veterans.selectors import veteran_possible_duplicates, veteran_visible
from veterans.services import (
    DuplicateIdNumber,
    TooManyElsewhere,
    elsewhere_refuse,
    id_number_clean,
)
from veterans.signals import CaseCategory


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return region_paths([obj.code])[obj.code]


class VeteranForm(forms.ModelForm):
    """Register or edit a veteran; the same ID rules as the API and the import.

    `duplicate_of` is set when the number is already registered in the user's
    jurisdiction (elsewhere, saving sends a transfer request instead) and
    `possible_duplicates` when someone has the same name and birth date; the
    second is confirmed with `confirm_duplicate`.
    """

    region = RegionChoiceField(queryset=Region.objects.none(), label=_("home region"))
    instance_before: Veteran | None = None  # set by the edit view: the stored values
    confirm_duplicate = forms.BooleanField(
        required=False,
        label=_("I have checked: this is a different person with the same name and birth date"),
    )

    class Meta:
        model = Veteran
        fields = [
            "name", "id_number", "sex", "birth_date", "phone", "region", "discharge_year",
            "discharge_kind", "is_disabled", "is_martyr_family", "needs_assistance",
            "is_decorated", "took_part_in_combat", "is_volunteer",
        ]
        labels = {"name": _("full name")}
        widgets = {
            # The date input reads only yyyy-MM-dd, whatever the language's date format.
            "birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "id_number": forms.TextInput(
                attrs={"autocomplete": "off", "inputmode": "text", "maxlength": 18}
            ),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args: Any, user: User, regions: list[Region] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.duplicate_of: Veteran | None = None  # registered, and the user sees them
        self.possible_duplicates: list[Veteran] = []
        region_field = self.fields["region"]
        assert isinstance(region_field, RegionChoiceField)
        region_field.queryset = Region.objects.visible_to(user).filter(
            level__in=["township", "village"]
        )
        if regions is not None:  # already loaded: the select costs one query (the parents)
            paths = region_paths(r.code for r in regions)
            region_field.choices = [("", "---------")] + [
                (r.code, paths[r.code]) for r in regions
            ]
        for name in ("sex", "birth_date"):
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = _("Left empty, it follows from the ID number.")
        if self.instance.pk:
            # An edit shows the masked number; typing a new one replaces it.
            self.initial["id_number"] = ""
            self.fields["id_number"].required = False
            self.fields["id_number"].help_text = _(
                "Now %(masked)s. Leave empty to keep it."
            ) % {"masked": self.instance.id_number_masked}
            # Nor the birth date beside the masked number: the year only, as everywhere.
            self.initial["birth_date"] = None
            self.fields["birth_date"].help_text = _(
                "Born %(year)s. Leave empty to keep the date in the ID number."
            ) % {"year": self.instance.birth_year}

    def clean_id_number(self) -> str:
        raw = normalize_id_number(self.cleaned_data.get("id_number"))
        if not raw and self.instance.pk:
            return self.instance.id_number
        try:
            return id_number_clean(raw, exclude_pk=self.instance.pk)
        except DuplicateIdNumber as exc:
            if self.user.may_see(exc.existing.region_id):
                self.duplicate_of = exc.existing
                raise
            # Registered outside the user's jurisdiction: said to no one. A new
            # registration sends a transfer request when saved; an edit is refused.
            if self.instance.pk:
                try:
                    elsewhere_refuse(by=self.user, id_number=raw, veteran=self.instance)
                except TooManyElsewhere as refused:
                    raise ValidationError(str(refused)) from refused
            return normalize_id_number(raw)

    def validate_unique(self) -> None:
        """Nothing: the only unique field is the ID number, whose uniqueness the services
        answer. The model's check would say "already exists" of a person registered
        outside the user's jurisdiction (an edit is refused, a registration becomes a
        transfer request)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("id_number")
        if not number:
            return data
        try:
            id_number_clean(
                number, sex=data.get("sex") or None, birth_date=data.get("birth_date"),
                exclude_pk=self.instance.pk,
            )
        except DuplicateIdNumber:
            pass  # reported on the field already
        except ValidationError as exc:
            field = "birth_date" if exc.code == "birth_date_mismatch" else "sex"
            self.add_error(field, exc)
            return data
        birth_date = data.get("birth_date") or birth_date_of(number)
        self.possible_duplicates = list(
            veteran_possible_duplicates(
                user=self.user, name=data.get("name", ""), birth_date=birth_date,
                exclude_pk=self.instance.pk,
            )[:5]
        ) if self._name_or_birth_changed(data, birth_date) else []
        if self.possible_duplicates and not data.get("confirm_duplicate"):
            self.add_error(
                "confirm_duplicate",
                _("A veteran with the same name and birth date is already registered: "
                  "check that this is a different person, then tick the box."),
            )
        return data

    def _name_or_birth_changed(self, data: dict[str, Any], birth_date: Any) -> bool:
        if not self.instance.pk:
            return True
        return data.get("name") != self.instance.name or birth_date != self.instance.birth_date

    def veteran_data(self) -> dict[str, Any]:
        return {key: self.cleaned_data.get(key) for key in self.Meta.fields}


class InlineVeteranForm(VeteranForm):
    """The few fields the front desk needs to register a visitor on the spot."""

    class Meta(VeteranForm.Meta):
        fields = ["name", "id_number", "phone", "region", "needs_assistance"]
        labels = VeteranForm.Meta.labels
        widgets = VeteranForm.Meta.widgets


class VisitForm(forms.Form):
    """The visit itself. `veteran` is a veteran's id, or `new` to register one inline."""

    veteran = forms.CharField(
        label=_("veteran"),
        error_messages={"required": _("Find the veteran, or choose to register a new one.")},
    )
    channel = forms.ChoiceField(
        label=_("channel"), choices=Visit.Channel.choices, widget=forms.RadioSelect,
        initial=Visit.Channel.IN_PERSON,
    )
    purpose = forms.ChoiceField(label=_("purpose"), choices=Visit.Purpose.choices)
    summary = forms.CharField(
        label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[(c, label) for c, label in Visit.Outcome.choices if c != "case_opened"],
        initial=Visit.Outcome.ANSWERED,
    )
    open_case = forms.BooleanField(label=_("Open a dispute case"), required=False)
    case_category = forms.ChoiceField(
        label=_("case category"), choices=[("", "---------"), *CaseCategory.choices], required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, user: User, cases_enabled: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.cases_enabled = cases_enabled
        self.chosen: Veteran | None = None
        if not cases_enabled:
            del self.fields["open_case"]
            del self.fields["case_category"]
        if not self.is_bound:
            # A fresh key per rendering: a double click or a retried POST repeats it.
            self.initial["idempotency_key"] = uuid.uuid4().hex

    @property
    def registers_new(self) -> bool:
        return self.data.get("veteran") == "new"

    def clean_veteran(self) -> str:
        value = self.cleaned_data["veteran"]
        if value == "new":
            return value
        veteran = veteran_visible(user=self.user, pk=value)
        if veteran is None:
            raise ValidationError(_("No such veteran in your jurisdiction."), code="invalid")
        self.chosen = veteran
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("open_case"):
            if not data.get("case_category"):
                self.add_error("case_category", _("Choose the category of the case."))
            if not (data.get("summary") or "").strip():
                self.add_error("summary", _("Describe the dispute to open a case."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel (.xlsx) or CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    mode = forms.ChoiceField(
        label=_("When some rows are wrong"),
        choices=ImportJob.Mode.choices,
        initial=ImportJob.Mode.ALL,
        widget=forms.RadioSelect,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith((".xlsx", ".csv")):
            raise ValidationError(_("Upload an .xlsx or a .csv file."))
        try:
            size_check(upload.size or 0)
        except RowError as exc:
            raise ValidationError(exc.message) from exc
        return upload
