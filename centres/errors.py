"""The domain's refusals: one exception family for every room.

Services raise these; they carry a message for the user (already translated) and
nothing about HTTP. The API's exception handler (`config.errors`) and the pages
map them once: `Refused` 409, `Forbidden` 403, `NotFound` 404. `centres` is the
lowest room, so every other room can raise them without importing a higher one.
"""

from __future__ import annotations


class DomainError(Exception):
    """A step the domain refuses; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(DomainError):
    """Not possible now: the record's state or a workflow rule does not allow it (409)."""


class Forbidden(DomainError):
    """The user's role may never do this, e.g. an official (read-only) writing (403)."""


class NotFound(DomainError):
    """Missing, or outside the user's jurisdiction: the same answer for both (404)."""
