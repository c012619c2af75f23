"""The seam to the rooms above: veterans never imports cases; cases listens here.

`case_requested` is sent by `visit_log` inside its transaction, right after the
visit is created, when the staff member ticked "open a dispute case":

    case_requested.send(sender=Visit, visit=visit, category=code, summary=text, by=user)

`category` is a `CaseCategory` code. A receiver that raises rolls the visit back
too, so a visit never claims a case that was not opened. The visit form shows the
checkbox only when someone listens (`case_requested.has_listeners()`).
"""

from __future__ import annotations

import django.dispatch
from django.db import models
from django.utils.translation import gettext_lazy as _

case_requested = django.dispatch.Signal()


class CaseCategory(models.TextChoices):
    """The case categories: fixed codes (docs/design.md §4), translated labels.

    Defined here, below both rooms, because the visit form offers them and veterans never
    imports cases; `cases.models.Category` is this class.
    """

    EMPLOYMENT = "employment", _("employment")
    BENEFITS = "benefits", _("benefits")
    PLACEMENT = "placement", _("placement")
    MEDICAL = "medical", _("medical")
    FAMILY = "family", _("family and neighbours")
    LAND_HOUSING = "land_housing", _("land and housing")
    OTHER = "other", _("other")
