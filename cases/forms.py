"""Forms of the case pages: one per action, validating input only (services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.models import Case, Category, MediationMethod, RiskLevel
from centres import codes
from centres.models import Centre, User
from centres.selectors import RegionNotFound, centre_paths, region_resolve
from veterans.models import Veteran, Visit


class CaseOpenForm(forms.Form):
    centre = forms.CharField(
        label=_("Receiving centre"), max_length=200,
        help_text=_("Type a name to choose (township › village); your own centre by default. "
                    "A region code works too."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.ORDINARY
    )
    summary = forms.CharField(label=_("Summary of the dispute"), widget=forms.Textarea(
        attrs={"rows": 4}))
    other_parties = forms.CharField(
        label=_("Other parties"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    veteran = forms.IntegerField(label=_("Veteran"), required=False)
    visit = forms.IntegerField(widget=forms.HiddenInput, required=False)
    accept = forms.BooleanField(label=_("Accept at once"), required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_centre(self) -> Centre:
        try:
            region = region_resolve(user=self.user, text=self.cleaned_data["centre"])
        except (RegionNotFound, codes.InvalidCode) as exc:
            raise forms.ValidationError(str(exc)) from exc
        centre = Centre.objects.visible_to(self.user).filter(region_id=region.code).first()
        if centre is None:
            raise forms.ValidationError(
                _("There is no centre with this code in your jurisdiction.")
            )
        return centre

    def _visible(self, model: Any, field: str, message: Any) -> Any:
        """The row the hidden id names, if the user sees it; the same error otherwise."""
        pk = self.cleaned_data.get(field)
        if pk is None:
            return None
        found = model.objects.visible_to(self.user).filter(pk=pk).first()
        if found is None:
            raise forms.ValidationError(message)
        return found

    def clean_veteran(self) -> Veteran | None:
        return self._visible(
            Veteran, "veteran", _("There is no veteran with this id in your jurisdiction.")
        )

    def clean_visit(self) -> Visit | None:
        return self._visible(
            Visit, "visit", _("There is no visit with this id in your jurisdiction.")
        )


class ActionForm(forms.Form):
    """A form for one transition of one case; `call` performs it through the service."""

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case

    def call(self, *, by: User) -> Case:
        raise NotImplementedError


class AcceptForm(ActionForm):
    def call(self, *, by: User) -> Case:
        return services.case_accept(case=self.case, by=by)


class AssignForm(ActionForm):
    assignee = forms.ModelChoiceField(label=_("Staff member"), queryset=User.objects.none())
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        staff, _veterans = services.mediators_for(case=case)
        self.fields["assignee"].queryset = staff  # type: ignore[attr-defined]

    def call(self, *, by: User) -> Case:
        data = self.cleaned_data
        return services.case_assign(case=self.case, by=by, assignee=data["assignee"],
                                    note=data["note"])


class MediateForm(ActionForm):
    method = forms.ChoiceField(label=_("Method"), choices=MediationMethod.choices)
    mediator = forms.ModelChoiceField(
        label=_("Mediator (staff)"), queryset=User.objects.none(), required=False,
        empty_label=_("myself"),
    )
    mediator_veteran = forms.ModelChoiceField(
        label=_("or a veteran mediator (兵支书, volunteer)"), queryset=Veteran.objects.none(),
        required=False,
    )
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        staff, veterans = services.mediators_for(case=case)
        self.fields["mediator"].queryset = staff  # type: ignore[attr-defined]
        self.fields["mediator_veteran"].queryset = veterans  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mediator") and data.get("mediator_veteran"):
            raise forms.ValidationError(_("Choose either a staff mediator or a veteran, not both."))
        return data

    def call(self, *, by: User) -> Case:
        data = self.cleaned_data
        return services.case_mediate(
            case=self.case, by=by, note=data["note"], method=data["method"],
            mediator=data.get("mediator"), mediator_veteran=data.get("mediator_veteran"),
        )


class EscalateForm(ActionForm):
    reason = forms.CharField(label=_("Reason for escalating"),
                             widget=forms.Textarea(attrs={"rows": 2}))

    def call(self, *, by: User) -> Case:
        return services.case_escalate(case=self.case, by=by, reason=self.cleaned_data["reason"])


class ReferDownForm(ActionForm):
    centre = forms.ModelChoiceField(label=_("Centre below"), queryset=Centre.objects.none())
    instructions = forms.CharField(label=_("Instructions"),
                                   widget=forms.Textarea(attrs={"rows": 2}))

    # The select lists this many centres (a county has a few dozen); any centre below validates.
    SHOWN = 500

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        below = (
            Centre.objects.within(case.region_id).exclude(region_id=case.region_id)
            .order_by("region_id")
        )
        field = self.fields["centre"]
        assert isinstance(field, forms.ModelChoiceField)
        # Validation asks the whole queryset: a sliced one refuses every choice.
        field.queryset = below
        shown = list(below.only("id", "region_id", "name")[: self.SHOWN])
        paths = centre_paths(shown)
        field.choices = [("", "---------")] + [(c.pk, paths[c.region_id]) for c in shown]

    def call(self, *, by: User) -> Case:
        data = self.cleaned_data
        return services.case_refer_down(case=self.case, by=by, to=data["centre"],
                                        instructions=data["instructions"])


class ResolveForm(ActionForm):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))

    def call(self, *, by: User) -> Case:
        return services.case_resolve(case=self.case, by=by,
                                     resolution=self.cleaned_data["resolution"])


class FollowUpForm(ActionForm):
    satisfied = forms.TypedChoiceField(
        label=_("Is the veteran satisfied?"),
        choices=[("yes", _("satisfied: close the case")),
                 ("no", _("dissatisfied: reopen the case"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), required=False)

    def call(self, *, by: User) -> Case:
        data = self.cleaned_data
        return services.case_follow_up(case=self.case, by=by, satisfied=data["satisfied"],
                                       note=data["note"])


class ExtendForm(ActionForm):
    days = forms.IntegerField(
        label=_("Extension (days)"), min_value=1, max_value=services.MAX_EXTENSION_DAYS
    )
    reason = forms.CharField(label=_("Reason for the extension"))

    def call(self, *, by: User) -> Case:
        data = self.cleaned_data
        return services.case_extend(case=self.case, by=by, days=data["days"],
                                    reason=data["reason"])


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": AcceptForm,
    "assign": AssignForm,
    "mediate": MediateForm,
    "escalate": EscalateForm,
    "refer_down": ReferDownForm,
    "resolve": ResolveForm,
    "follow_up": FollowUpForm,
    "extend": ExtendForm,
}

ACTION_LABELS: dict[str, Any] = {
    "accept": _("Accept"),
    "assign": _("Assign"),
    "mediate": _("Mediate"),
    "escalate": _("Escalate"),
    "refer_down": _("Refer down"),
    "resolve": _("Resolve"),
    "follow_up": _("Follow-up visit"),
    "extend": _("Extend the deadline"),
}
