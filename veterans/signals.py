"""Signals the veterans room sends so that higher rooms can act without being imported.

`case_requested` is sent inside the visit-logging transaction when the staff member
asks to open a dispute case from the visit, with keyword arguments `visit`,
`category`, `summary` and `by`. The cases room listens and opens the case.
"""

from django.dispatch import Signal

case_requested = Signal()
