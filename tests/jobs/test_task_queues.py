"""A queue per kind of work (portal/settings.py, docs/DEPLOY.md): every task of the portal
is routed to one by name, so a new task cannot land on a queue no worker takes."""

from __future__ import annotations

from django.conf import settings

from portal.celery import app

KINDS = {"default", "messages", "documents", "imports", "jobs"}


def ours() -> set[str]:
    app.loader.import_default_modules()
    return {name for name, task in app.tasks.items() if task.__module__ == "negotiation.tasks"}


def test_every_task_of_the_portal_is_routed_to_its_kinds_queue():
    assert ours() == set(settings.CELERY_TASK_ROUTES)
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} == KINDS - {"default"}


def test_the_router_sends_each_kind_to_its_queue():
    router = app.amqp.router
    assert router.route({}, "notifications.send")["queue"].name == "messages"
    assert router.route({}, "agreements.store_signed")["queue"].name == ("documents")
    assert router.route({}, "imports.run")["queue"].name == "imports"
    assert router.route({}, "negotiation.tasks.refresh_aging")["queue"].name == "jobs"
    assert router.route({}, "somebody.elses.task")["queue"].name == "default"


def test_a_worker_started_without_a_queue_takes_every_kind():
    assert {queue.name for queue in app.conf.task_queues} == KINDS


def test_every_scheduled_job_names_a_routed_task():
    scheduled = {job["task"] for job in settings.DEFAULT_PERIODIC_TASKS.values()}
    assert scheduled <= set(settings.CELERY_TASK_ROUTES)
