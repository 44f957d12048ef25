"""The scheduled jobs' defaults, written into django-celery-beat's tables.

Beat reads its schedule from the database, where staff with the right permission change it
in the admin ("Periodic tasks"). After every migrate, each default from
``settings.DEFAULT_PERIODIC_TASKS`` is created if it is missing; an existing entry is left
exactly as staff set it, so an edit survives deploys and beat restarts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def install_default_schedules() -> list[str]:
    """Create the missing default periodic tasks; returns the names created."""
    created = []
    for name, entry in settings.DEFAULT_PERIODIC_TASKS.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        PeriodicTask.objects.create(name=name, task=entry["task"], **_schedule(entry))
        created.append(name)
    return created


def _schedule(entry: dict[str, Any]) -> dict[str, Any]:
    if "every_seconds" in entry:
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=entry["every_seconds"], period=IntervalSchedule.SECONDS
        )
        return {"interval": interval}
    fields = {"minute": "*", "hour": "*", "day_of_week": "*", "day_of_month": "*"}
    fields |= {"month_of_year": "*", **entry["crontab"]}
    crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=settings.TIME_ZONE)
    return {"crontab": crontab}
