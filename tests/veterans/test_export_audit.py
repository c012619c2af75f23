from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from centres.models import User
from tests.factories.cases import veteran_make
from veterans.audit import audit_record
from veterans.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_auditors_get_every_entry_of_the_period_with_id_numbers_masked(
    alice: User, tmp_path: Path
) -> None:
    veteran = veteran_make("330681107201")
    audit_record(actor=alice, action=AuditEntry.Action.VIEW_ID_NUMBER, obj=veteran)
    audit_record(actor=alice, action=AuditEntry.Action.UPDATE, obj=veteran,
                 changes={"phone": ["", "13800000000"]})
    out = StringIO()
    call_command("export_audit", tmp_path / "audit.xlsx", "--since", "2000-01-01", stdout=out)
    rows = list(load_workbook(tmp_path / "audit.xlsx").active.iter_rows(values_only=True))
    assert len(rows) == 1 + AuditEntry.objects.count()
    assert {row[1] for row in rows[1:]} == {"alice"}
    assert veteran.id_number not in "".join(str(cell) for row in rows for cell in row)
    assert f"{AuditEntry.objects.count()} audit entries" in out.getvalue()


def test_a_period_with_no_entries_exports_only_the_header(alice: User, tmp_path: Path) -> None:
    call_command("export_audit", tmp_path / "a.xlsx", "--until", "2000-01-01", stdout=StringIO())
    assert len(list(load_workbook(tmp_path / "a.xlsx").active.iter_rows())) == 1


def test_a_bad_date_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("export_audit", tmp_path / "a.xlsx", "--since", "yesterday")
