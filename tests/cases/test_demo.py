"""The demo cases: a dozen in 诸暨市/枫桥镇 in various states, two in 浏阳市, idempotent."""

from __future__ import annotations

import pytest

from cases import demo
from cases.models import Case
from cases.selectors import case_stats
from centres.models import User
from tests.factories.cases import staff_at, veteran_make
from tests.factories.centres import regions_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_world(world: None) -> None:
    regions_make(
        ("330681107203", "栎桥村（演示）"), ("330681107204", "视北村（演示）"),
        ("330681107205", "新择村（演示）"), ("330681101", "东山镇（演示）"),
    )
    for username, code in [("village", "330681107201"), ("township", "330681107"),
                           ("county", "330681"), ("liuyang", "430181")]:
        staff_at(code, username)


def test_the_demo_cases_are_seeded_once_in_various_states(
    demo_world: None, ministry: User
) -> None:
    secretary = veteran_make("330681107201", is_party_secretary=True)
    lines: list[str] = []
    demo.seed(lines.append)
    demo.seed(lines.append)
    assert lines[-1] == "demo cases already present"
    cases = Case.objects.all()
    assert cases.count() == 14
    zhuji = case_stats(user=ministry, region="330681")
    assert zhuji["total"] == 12
    assert zhuji["overdue"] == 1
    assert zhuji["escalated"] >= 4
    assert zhuji["by_resolved_level"]["village"] >= 1
    assert zhuji["by_resolved_level"]["township"] >= 2
    assert set(cases.values_list("level", flat=True)) >= {"village", "township", "county"}
    assert case_stats(user=ministry, region="430181")["total"] == 2
    assert Case.objects.filter(veterans=secretary).exists()
    assert Case.objects.filter(events__extra__mediator_veteran=secretary.pk).exists()
