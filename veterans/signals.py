"""The seam to the rooms above: veterans never imports cases; cases listens here.

`case_requested` is sent by `visit_log` inside its transaction, right after the
visit is created, when the staff member ticked "open a dispute case":

    case_requested.send(sender=Visit, visit=visit, category=code, summary=text, by=user)

`category` is one of CASE_CATEGORIES. A receiver that raises rolls the visit back
too, so a visit never claims a case that was not opened. The visit form shows the
checkbox only when someone listens (`case_requested.has_listeners()`).
"""

from __future__ import annotations

import django.dispatch
from django.utils.translation import gettext_lazy as _

case_requested = django.dispatch.Signal()

# The fixed case category codes (DESIGN.md §4), labelled per GLOSSARY.md.
CASE_CATEGORIES = [
    ("employment", _("employment and entrepreneurship")),
    ("benefits", _("benefits")),
    ("placement", _("placement")),
    ("medical", _("medical")),
    ("family", _("family and neighbours")),
    ("land_housing", _("land and housing")),
    ("other", _("other")),
]
