"""Once created a beat schedule here; now a no-op kept so the migration graph stays whole.

The outbox flush (every minute) is defined in `CELERY_BEAT_SCHEDULE` (config/settings.py), which
django-celery-beat's DatabaseScheduler writes to its table under the same name when
beat starts: a database that ran the old version keeps one row per task.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
