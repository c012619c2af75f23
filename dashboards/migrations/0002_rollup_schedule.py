"""The rollups' schedule: a refresh every minute, a full rebuild at 01:30 Asia/Shanghai."""

from django.db import migrations

REFRESH = "dashboards: refresh the rollups"
REBUILD = "dashboards: rebuild the rollups"


def forward(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="1", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.update_or_create(
        name=REFRESH,
        defaults={"task": "dashboards.tasks.rollups_refresh", "interval": every_minute,
                  "enabled": True},
    )
    PeriodicTask.objects.update_or_create(
        name=REBUILD,
        defaults={"task": "dashboards.tasks.rollups_rebuild", "crontab": nightly,
                  "enabled": True},
    )


def backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[REFRESH, REBUILD]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forward, backward)]
