from __future__ import annotations

import pytest

from centres.models import User
from tests.factories.centres import UserFactory, region


@pytest.fixture
def province_official(world: None) -> User:
    user: User = UserFactory.create(
        username="province", region=region("330000"), role=User.Role.OFFICIAL
    )
    return user


@pytest.fixture
def county_official(world: None) -> User:
    user: User = UserFactory.create(
        username="county-official", region=region("330681"), role=User.Role.OFFICIAL
    )
    return user
