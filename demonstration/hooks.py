"""What demonstration adds to rooms below it, registered at start-up (AppConfig.ready)."""

from __future__ import annotations

from django.http import HttpRequest

from centres.models import Centre, User
from centres.requests import AuthenticatedHttpRequest
from centres.sections import CentreSection, centre_section_register
from config.navigation import nav_badge_register


def rating_history_section(
    request: AuthenticatedHttpRequest, centre: Centre
) -> CentreSection | None:
    """The centre's assessments and designations on its page."""
    from demonstration.selectors import centre_rating_history
    from demonstration.services import may_revoke
    from demonstration.targets import centre_is_eligible

    history = centre_rating_history(user=request.user, centre=centre)
    eligible = centre_is_eligible(centre)
    if not eligible and not history.assessments and not history.designations:
        return None
    return CentreSection(
        template="demonstration/_rating_history.html",
        context={
            "history": history,
            "eligible": eligible,
            "may_revoke": may_revoke(request.user, centre),
        },
    )


def short_targets_badge(request: HttpRequest) -> int | None:
    """Officials see how many model regions of their area are below target."""
    from demonstration.selectors import targets_short_count
    from demonstration.services import this_year

    user = request.user
    if not isinstance(user, User) or not user.is_official:
        return None
    return targets_short_count(user=user, year=this_year()) or None


def register() -> None:
    centre_section_register(rating_history_section)
    nav_badge_register("demonstration:targets", short_targets_badge)
