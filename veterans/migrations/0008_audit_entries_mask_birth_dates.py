"""Audit entries written before the mask kept the address code only: redacted.

They held the ID number masked as `330681********1234` and the birth date beside
it, which together leave about 33 candidate numbers. The number becomes
`330681************` and the birth date its year, as `_audit_value` writes now.
"""

from typing import Any

from django.db import migrations

BATCH = 2000


def _number(value: Any) -> Any:
    return value[:6] + "*" * 12 if isinstance(value, str) and len(value) == 18 else value


def _year(value: Any) -> Any:
    return int(value[:4]) if isinstance(value, str) and value[:4].isdigit() else value


def _redacted(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    for key, redact in (("id_number", _number), ("birth_date", _year)):
        if key in out:
            value = out[key]
            out[key] = [redact(v) for v in value] if isinstance(value, list) else redact(value)
    return out


def redact(apps: Any, schema_editor: Any) -> None:
    entry_model = apps.get_model("veterans", "AuditEntry")
    # The historical model's plain manager: the append-only queryset is not in migrations.
    entries = entry_model.objects.filter(object_type="veterans.veteran").only("id", "changes")
    changed = []
    for entry in entries.iterator(chunk_size=BATCH):
        if not isinstance(entry.changes, dict):
            continue
        redacted = _redacted(entry.changes)
        if redacted != entry.changes:
            entry.changes = redacted
            changed.append(entry)
        if len(changed) >= BATCH:
            entry_model.objects.bulk_update(changed, ["changes"])
            changed = []
    entry_model.objects.bulk_update(changed, ["changes"])


class Migration(migrations.Migration):
    dependencies = [("veterans", "0007_transfer_requests_and_formula_free_text")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
