"""A client generated from /api/schema/ works without a hand patch (issue 16, point 4).

As an integrator would: fetch the schema from a running server, generate a Python
client with openapi-python-client (offline, from the file), import every module of
it, and walk the main flows through it against the live server: regions, centres,
register a veteran, log a visit with an Idempotency-Key and replay it, open a case
and move it up the ladder (mediate, escalate, resolve, follow-up), the statistics.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from centres.models import User
from centres.services import api_token_create
from dashboards.rollups import rollups_refresh
from tests.factories.veterans import id_number

# The server thread reads what the test wrote: committed data.
pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "fq_client"


@pytest.fixture
def client_package(
    live_server: Any, ministry: User, tmp_path: Path
) -> Iterator[ModuleType]:
    token = api_token_create(user=ministry).key
    answer = httpx.get(
        f"{live_server.url}/api/schema/", params={"format": "json"},
        headers={"Authorization": f"Token {token}"}, timeout=60,
    )
    assert answer.status_code == 200
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(answer.json()))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(  # noqa: S603 - our own fixed arguments
        [str(generator), "generate", "--path", str(schema_file), "--meta", "none",
         "--output-path", str(tmp_path / PACKAGE), "--config", str(config)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    # A warning means a piece of the client is missing: the schema said something
    # the generator could not express.
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _import_all(package: ModuleType) -> list[str]:
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
        names.append(info.name)
    return names


def test_every_module_of_the_generated_client_imports(client_package: ModuleType) -> None:
    names = _import_all(client_package)
    assert f"{PACKAGE}.api.v1.v1_visits_create" in names
    assert f"{PACKAGE}.api.v1.v1_cases_follow_up_create" in names
    assert f"{PACKAGE}.models.veteran_request" in names


def test_the_main_flows_work_through_the_generated_client(
    client_package: ModuleType, live_server: Any, alice: User
) -> None:
    _import_all(client_package)
    api = importlib.import_module(f"{PACKAGE}.api.v1")
    models = importlib.import_module(f"{PACKAGE}.models")
    authenticated = importlib.import_module(PACKAGE).AuthenticatedClient(
        base_url=live_server.url, token=api_token_create(user=alice).key, prefix="Token",
        raise_on_unexpected_status=True,
    )

    def call(operation: str, **kwargs: Any) -> Any:
        module = getattr(api, operation)
        return module.sync_detailed(client=authenticated, **kwargs)

    # Regions and centres of Alice's township.
    regions = call("v1_regions_list", parent="330681107", page_size=10)
    assert regions.status_code == 200
    assert {r.code for r in regions.parsed.results} >= {"330681107201", "330681107202"}
    township = call("v1_regions_retrieve", code="330681107")
    assert township.parsed.level == models.LevelEnum.TOWNSHIP
    centres = call("v1_centres_list", region="330681107")
    assert "330681107201" in {c.region for c in centres.parsed.results}

    # Register a veteran.
    registered = call("v1_veterans_create", body=models.VeteranRequest(
        name="陈建国", id_number=id_number(sequence=31), region="330681107201",
    ))
    assert registered.status_code == 201, registered.content
    veteran = registered.parsed
    assert "*" in veteran.id_number

    # Log a visit with an Idempotency-Key, then replay it: the same visit, nothing new.
    visit = models.VisitInputRequest(
        veteran=veteran.id, centre="330681107201", channel=models.ChannelEnum.IN_PERSON,
        purpose=models.PurposeEnum.RIGHTS, summary="宅基地纠纷",
    )
    first = call("v1_visits_create", body=visit, idempotency_key="device-1-visit-1")
    again = call("v1_visits_create", body=visit, idempotency_key="device-1-visit-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.parsed.id == first.parsed.id
    visits = call("v1_visits_list", centre="330681107201")
    assert visits.parsed.count == 1

    # Open a case at the village and move it up the ladder.
    opened = call("v1_cases_create", body=models.CaseCreateRequest(
        centre="330681107201", category=models.CategoryEnum.LAND_HOUSING,
        summary="宅基地边界纠纷", veteran=veteran.id,
    ))
    assert opened.status_code == 201, opened.content
    case = opened.parsed
    assert (case.level, case.assignee) == (models.LevelEnum.VILLAGE, None)
    refused = call("v1_cases_escalate_create", id=case.id,
                   body=models.EscalateRequest(reason="调解不成"))
    assert refused.status_code == 409  # not mediated yet
    assert isinstance(refused.parsed, models.Error)
    assert refused.parsed.code == "refused"
    call("v1_cases_mediate_create", id=case.id, body=models.MediateRequest(note="当面调解"))
    escalated = call("v1_cases_escalate_create", id=case.id,
                     body=models.EscalateRequest(reason="调解不成"))
    assert escalated.parsed.level == models.LevelEnum.TOWNSHIP
    resolved = call("v1_cases_resolve_create", id=case.id,
                    body=models.ResolveRequest(resolution="重新勘界"))
    assert resolved.parsed.status == models.CaseStatusEnum.RESOLVED
    closed = call("v1_cases_follow_up_create", id=case.id,
                  body=models.FollowUpRequest(satisfied=True))
    assert closed.parsed.status == models.CaseStatusEnum.CLOSED

    # A field error comes back as the documented shape.
    bad = call("v1_cases_resolve_create", id=case.id, body=models.ResolveRequest(resolution=" "))
    assert bad.status_code == 400
    assert "resolution" in bad.parsed.additional_properties

    # The statistics count the closed case where it was received (from the rollups,
    # which Celery refreshes each minute).
    rollups_refresh()
    stats = call("v1_stats_cases_retrieve", region="330681107")
    assert stats.status_code == 200
    assert (stats.parsed.total, stats.parsed.closed, stats.parsed.escalated) == (1, 1, 1)
    visit_stats = call("v1_stats_visits_retrieve", region="330681107")
    assert visit_stats.parsed.total == 1
