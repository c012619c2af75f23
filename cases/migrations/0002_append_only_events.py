"""Case events are append-only: the database itself refuses to change or delete one.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, used by test flushes, is not
affected); SQLite refuses UPDATE (its flush deletes rows).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION cases_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_caseevent_no_update BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION cases_caseevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS cases_caseevent_no_update ON cases_caseevent;
DROP FUNCTION IF EXISTS cases_caseevent_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER cases_caseevent_no_update BEFORE UPDATE ON cases_caseevent
BEGIN
    SELECT RAISE(ABORT, 'case events are append-only');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS cases_caseevent_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]
