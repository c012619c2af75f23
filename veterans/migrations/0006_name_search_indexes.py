from django.db import migrations, models

# PostgreSQL only: names searched anywhere in the name (UPPER(name) LIKE '%…%', what
# `icontains` writes) from three characters on, through pg_trgm.
TRIGRAM_SQL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS veteran_name_trgm ON veterans_veteran "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
)


def add_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in TRIGRAM_SQL:
            schema_editor.execute(statement)


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS veteran_name_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('veterans', '0005_keys_in_composite_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='veteran',
            index=models.Index(fields=['name'], name='veteran_name_prefix', opclasses=['varchar_pattern_ops']),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index, elidable=False),
    ]
