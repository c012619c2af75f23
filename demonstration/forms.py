"""Forms of the assessment pages: scores per indicator, comments, revocation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from demonstration.models import (
    EVIDENCE_EXTENSIONS,
    AssessmentScore,
    StandardItem,
    evidence_size_validate,
)
from demonstration.services import ScoreInput


@dataclass(frozen=True)
class ItemFields:
    item: StandardItem
    points: forms.BoundField
    note: forms.BoundField
    evidence: forms.BoundField
    current: AssessmentScore | None


class AssessmentScoresForm(forms.Form):
    """One row of fields per indicator: points, note and an evidence file."""

    def __init__(
        self,
        *args: Any,
        items: Sequence[StandardItem],
        scores: dict[int, AssessmentScore],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.scores = scores
        for item in self.items:
            current = scores.get(item.pk)
            self.fields[f"points_{item.pk}"] = forms.DecimalField(
                label=_("points"),
                min_value=Decimal(0),
                max_value=item.max_points,
                decimal_places=1,
                required=False,
                initial=current.points if current else None,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("note"), required=False, initial=current.note if current else "",
                widget=forms.TextInput(attrs={"size": 24}),
            )
            self.fields[f"evidence_{item.pk}"] = forms.FileField(
                label=_("evidence"),
                required=False,
                validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS), evidence_size_validate],
            )

    def rows(self) -> list[ItemFields]:
        return [
            ItemFields(
                item=item,
                points=self[f"points_{item.pk}"],
                note=self[f"note_{item.pk}"],
                evidence=self[f"evidence_{item.pk}"],
                current=self.scores.get(item.pk),
            )
            for item in self.items
        ]

    def score_inputs(self) -> list[ScoreInput]:
        """The indicators given points (left blank: not scored yet)."""
        inputs = []
        for item in self.items:
            points = self.cleaned_data.get(f"points_{item.pk}")
            if points is None:
                continue
            inputs.append(
                ScoreInput(
                    item=item,
                    points=points,
                    note=self.cleaned_data.get(f"note_{item.pk}", ""),
                    evidence=self.cleaned_data.get(f"evidence_{item.pk}"),
                )
            )
        return inputs


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("reason for revocation"), widget=forms.Textarea(
        attrs={"rows": 2}))
