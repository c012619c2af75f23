"""Once created a beat schedule here; now a no-op kept so the migration graph stays whole.

The morning job (`cases_mark_overdue`, 07:00) is defined in `CELERY_BEAT_SCHEDULE` (config/settings.py), which
django-celery-beat's DatabaseScheduler writes to its table under the same name when
beat starts: a database that ran the old version keeps one row per task.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_append_only_events"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
