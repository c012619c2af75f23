"""Sections that higher rooms add to a centre's page, without centres importing them.

A room registers a provider in its `AppConfig.ready()`; the centre page asks
every provider for a section (a template and its context) and includes each
one inside `{% block centre_sections %}`. Centres stays free of imports of the
rooms above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from centres.models import Centre
from centres.requests import AuthenticatedHttpRequest


@dataclass(frozen=True)
class CentreSection:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[AuthenticatedHttpRequest, Centre], "CentreSection | None"]
_providers: list[SectionProvider] = []


def centre_section_register(provider: SectionProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def centre_sections(request: AuthenticatedHttpRequest, centre: Centre) -> list[CentreSection]:
    sections = (provider(request, centre) for provider in _providers)
    return [section for section in sections if section is not None]
