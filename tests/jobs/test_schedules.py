"""The scheduled jobs live in the database (django-celery-beat): installed on migrate,
editable in the admin by supervisors, and an edit is what beat runs, even after another
migrate or a beat restart."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from negotiation.roles import SPECIALISTS, SUPERVISORS
from negotiation.schedules import install_default_schedules
from portal.celery import app
from tests.conftest import staff_client
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

JOBS = {
    "send-due-notifications": "negotiation.tasks.send_due_notifications",
    "expire-counter-offers": "negotiation.tasks.expire_counter_offers",
    "escalate-overdue-requests": "negotiation.tasks.escalate_overdue_requests",
    "refresh-aging": "negotiation.tasks.refresh_aging",
    "follow-plans": "negotiation.tasks.follow_plans",
    "purge-identity-records": "negotiation.tasks.purge_identity_records",
    "purge-expired-personal-data": "negotiation.tasks.purge_expired_personal_data",
    "export-due-debits": "negotiation.tasks.export_due_debits",
    "expire-payment-intents": "negotiation.tasks.expire_payment_intents",
}


@pytest.fixture
def installed():
    install_default_schedules()  # as after migrate (transactional tests flush the tables)
    return {task.name: task for task in PeriodicTask.objects.all()}


def test_every_job_is_scheduled_and_its_task_exists(installed):
    import negotiation.tasks  # noqa: F401  (the worker imports it by autodiscovery)

    assert {name: task.task for name, task in installed.items()} == JOBS
    for task_name in JOBS.values():
        assert task_name in app.tasks
    assert installed["send-due-notifications"].interval.every == 300
    nightly = installed["refresh-aging"].crontab
    assert (nightly.hour, nightly.minute, str(nightly.timezone)) == ("0", "15", "Asia/Shanghai")
    retention = installed["purge-expired-personal-data"].crontab
    assert (retention.hour, retention.minute) == ("3", "45")
    debits = installed["export-due-debits"].crontab  # before the follow-up at 06:00
    assert (debits.hour, debits.minute) == ("5", "30")


# Beat's scheduler closes stale database connections as it loads: a real transaction, not
# the test's wrapping one.
@pytest.mark.django_db(transaction=True)
def test_an_edit_survives_the_next_migrate_and_beat_runs_it(installed):
    every_minute, _ = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    job = installed["send-due-notifications"]
    job.interval = every_minute
    job.save()
    assert install_default_schedules() == []  # nothing overwritten
    scheduler = DatabaseScheduler(app=app)
    assert scheduler.schedule["send-due-notifications"].schedule.run_every.total_seconds() == 60


def test_a_supervisor_edits_the_schedule_a_specialist_cannot(installed):
    job = installed["follow-plans"]
    url = reverse("admin:django_celery_beat_periodictask_change", args=[job.pk])
    assert staff_client(make_staff(SUPERVISORS)).get(url).status_code == 200
    assert staff_client(make_staff(SPECIALISTS)).get(url).status_code == 403
