from __future__ import annotations

import pytest

from centres.models import User
from tests.factories.veterans import veteran_make
from veterans.models import Veteran


@pytest.fixture
def veteran(world: None) -> Veteran:
    """Alice's veteran: lives in 枫源村, 枫桥镇."""
    return veteran_make("330681107201", name="陈建国")


@pytest.fixture
def far_veteran(world: None) -> Veteran:
    """Charlie's veteran: lives in 淮川村, 浏阳市."""
    return veteran_make("430181101201", name="刘海军")


@pytest.fixture
def village_staff(world: None) -> User:
    from tests.conftest import _user

    return _user("village", "330681107201")
