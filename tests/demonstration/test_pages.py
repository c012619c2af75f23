"""Pages: the target, the assessment forms and queues, a centre's rating history."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from centres.models import User
from demonstration.models import Assessment, AssessmentScore, Designation, StandardItem
from tests.factories.centres import centre
from tests.factories.demonstration import assessment_at, county_with_townships, designate

pytestmark = pytest.mark.django_db
Status = Assessment.Status
TARGETS = "/demonstration/targets/"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    return str(response.content.decode())


def test_officials_see_their_model_regions_against_the_target(
    city_official: User, alice: User, county_staff: User
) -> None:
    county_with_townships("330681", 2)  # 5 eligible with 枫桥镇 and 店口镇
    designate("330681101", 2021)
    # 枫桥镇 scored 93 at its last approved assessment, 店口镇 never assessed.
    assessment_at(Status.APPROVED, centre=centre("330681107"), owner=alice,
                  reviewer=county_staff, approver=city_official, year=2020,
                  minus=Decimal(7))
    page = text(client_for(city_official).get(TARGETS, {"year": 2026}))
    assert "诸暨市" not in page or "县330681" in page
    assert "县330681" in page
    assert "未达标" in page
    assert "1个双拥模范城（县）未达标" in page
    # Candidates: 枫桥镇 (scored) before the never-assessed ones; the named one is not listed.
    candidates = page.split("可补足差额的候选服务中心（站）")[1].split("</ol>")[0]
    assert candidates.index("枫桥镇") < candidates.index("店口镇")
    assert "最近得分93.0" in candidates
    assert "镇330681101" not in candidates
    assert "<option value=\"2026\" selected>" in page


def test_an_outsider_does_not_see_another_countys_figures(charlie: User, world: None) -> None:
    county_with_townships("430181", 1, model_year=2025)
    page = text(client_for(charlie).get(TARGETS, {"year": 2026}))
    assert "县430181" in page
    assert "诸暨市" not in page


def test_officials_see_a_badge_in_the_navigation_when_a_region_is_short(
    city_official: User, alice: User
) -> None:
    call_command("recompute_targets")
    page = text(client_for(city_official).get("/centres/"))
    assert '<span class="badge">1</span>' in page
    assert '<span class="badge">' not in text(client_for(alice).get("/centres/"))


def test_the_targets_page_takes_the_same_queries_for_few_and_many_rows(
    city_official: User,
) -> None:
    client = client_for(city_official)
    counts = []
    for n, start in [(1, 0), (8, 1)]:
        for i in range(start, n):
            county_with_townships(f"3306{20 + i:02d}", 2, villages_each=0)
        call_command("recompute_targets", "--year", "2026")
        client.get(TARGETS, {"year": 2026})  # warm the session
        with CaptureQueriesContext(connection) as queries:
            client.get(TARGETS, {"year": 2026})
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_centre_page_shows_its_rating_history(
    alice: User, county_staff: User, city_official: User, charlie: User
) -> None:
    assessment_at(Status.APPROVED, centre=centre("330681107"), owner=alice,
                  reviewer=county_staff, approver=city_official, year=2025)
    Designation.objects.filter(year=2025).update(revoked_on="2026-02-01", revoke_reason="复核未过")
    page = text(client_for(alice).get("/centres/330681107/"))
    assert "示范型创建" in page
    assert "复核未过" in page
    assert "100.0" in page
    assert "摘牌</button>" not in page  # staff cannot revoke
    assert client_for(charlie).get("/centres/330681107/").status_code == 404


def test_an_official_revokes_from_the_centre_page(city_official: User, charlie: User) -> None:
    designation = designate("330681107", 2024)
    page = text(client_for(city_official).get("/centres/330681107/"))
    assert "摘牌</button>" in page
    url = f"/demonstration/designations/{designation.pk}/revoke/"
    assert client_for(charlie).post(url, {"reason": "x"}).status_code == 404
    response = client_for(city_official).post(url, {"reason": "整改不力"}, follow=True)
    assert "已摘牌" in text(response)
    designation.refresh_from_db()
    assert designation.revoke_reason == "整改不力"


def test_alice_starts_scores_with_evidence_and_submits_on_the_pages(
    alice: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = client_for(alice)
    response = client.post("/demonstration/assessments/start/", follow=True)
    assert "已发起自评" in text(response)
    assessment = Assessment.objects.get()
    url = f"/demonstration/assessments/{assessment.pk}/"
    items = list(StandardItem.objects.filter(dimension__standard=assessment.standard))
    data: dict[str, Any] = {f"points_{i.pk}": str(i.max_points) for i in items}
    first = items[0].pk
    data[f"note_{first}"] = "服务大厅120平方米"
    data[f"evidence_{first}"] = SimpleUploadedFile("hall.pdf", b"%PDF-1.4 ...", "application/pdf")
    response = client.post(url, data, follow=True)
    assert "得分已保存" in text(response)
    score = AssessmentScore.objects.get(assessment=assessment, item_id=first)
    assert score.note == "服务大厅120平方米"
    assert score.evidence.name.startswith("demonstration/evidence/")
    assert "hall" not in score.evidence.name  # a random name
    assert (tmp_path / score.evidence.name).is_file()
    download = client.get(f"/demonstration/evidence/{score.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ..."  # type: ignore[attr-defined]
    assert "1.1.pdf" in download["Content-Disposition"]
    response = client.post(f"{url}submit/", follow=True)
    assert "已提交审核" in text(response)
    assessment.refresh_from_db()
    assert assessment.status == Status.SUBMITTED


def test_evidence_of_the_wrong_type_or_too_large_is_refused(
    alice: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.DEMONSTRATION_EVIDENCE_MAX_BYTES = 1024
    assessment = assessment_at(Status.DRAFT, centre=centre("330681107"), owner=alice)
    item = StandardItem.objects.filter(dimension__standard=assessment.standard).first()
    assert item is not None
    url = f"/demonstration/assessments/{assessment.pk}/"
    for upload in (
        SimpleUploadedFile("virus.exe", b"MZ", "application/octet-stream"),
        SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 2048, "application/pdf"),
    ):
        response = client_for(alice).post(
            url, {f"points_{item.pk}": "1", f"evidence_{item.pk}": upload}
        )
        assert response.status_code == 200
        assert 'class="errorlist"' in text(response)
    assert not AssessmentScore.objects.filter(item=item).exclude(evidence="").exists()


def test_a_refused_step_on_the_pages_is_a_clear_message(alice: User, charlie: User) -> None:
    assessment = assessment_at(Status.SUBMITTED, centre=centre("330681107"), owner=alice)
    url = f"/demonstration/assessments/{assessment.pk}/"
    response = client_for(alice).post(f"{url}forward/", follow=True)
    assert "只有上一级可以审核此评估" in text(response)
    response = client_for(alice).post(f"{url}submit/", follow=True)
    assert "不能进行此操作" in text(response)
    assert client_for(charlie).get(url).status_code == 404
    assert client_for(charlie).post(f"{url}forward/").status_code == 404
    assert client_for(alice).post(f"{url}dance/").status_code == 404


def test_the_review_and_approval_queues(
    alice: User, county_staff: User, city_official: User, charlie: User
) -> None:
    submitted = assessment_at(Status.SUBMITTED, centre=centre("330681107"), owner=alice)
    page = text(client_for(county_staff).get("/demonstration/assessments/"))
    assert f"/demonstration/assessments/{submitted.pk}/" in page
    detail = text(client_for(county_staff).get(f"/demonstration/assessments/{submitted.pk}/"))
    assert "退回修改" in detail and "报送审批" in detail
    client_for(county_staff).post(f"/demonstration/assessments/{submitted.pk}/forward/")
    page = text(client_for(city_official).get("/demonstration/assessments/"))
    assert f"/demonstration/assessments/{submitted.pk}/" in page
    response = client_for(city_official).post(
        f"/demonstration/assessments/{submitted.pk}/approve/", follow=True
    )
    assert "已审批" in text(response)
    assert Designation.objects.filter(centre=centre("330681107")).exists()
    assert f"/demonstration/assessments/{submitted.pk}/" not in text(
        client_for(charlie).get("/demonstration/assessments/")
    )
