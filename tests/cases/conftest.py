from __future__ import annotations

import pytest

from centres.models import User
from tests.factories.cases import staff_at


@pytest.fixture
def village_staff(world: None) -> User:
    """Staff of 枫源村 station, below alice's township."""
    return staff_at("330681107201", "village")


@pytest.fixture
def dianko_staff(world: None) -> User:
    """Staff of 店口镇, the neighbouring township in the same county."""
    return staff_at("330681108", "dianko")


@pytest.fixture
def city_staff(world: None) -> User:
    return staff_at("330600", "city_staff")


@pytest.fixture
def province_staff(world: None) -> User:
    return staff_at("330000", "province_staff")
