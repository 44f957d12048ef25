"""The scheduled jobs' timing (django-celery-beat's pages), in the staff member's language.

django-celery-beat writes some of its labels in English whatever the language (a field named
'Task Name' without translation, a 'Human readable' column, a 'Scheduler' column) and
describes a schedule in English ("At 12:15 AM"). These subclasses keep its pages and its
behaviour and only give those labels the portal's words; a schedule is described by
cron-descriptor (the library celery-beat itself uses) in the reader's language.

Its change form's own template is not used: it carries an inline script, which the portal's
Content-Security-Policy refuses; the schedule's description is a read-only field instead."""

from __future__ import annotations

from typing import Any

from cron_descriptor import FormatException, Options, get_description
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# What each of the portal's jobs does, in the reader's language (a job's name is the key of
# its entry in settings.DEFAULT_PERIODIC_TASKS, a machine's name).
JOB_LABELS = {
    "negotiation.tasks.send_due_notifications": _("Send the messages due within contact hours"),
    "negotiation.tasks.expire_counter_offers": _("Close the counter-offers past their date"),
    "negotiation.tasks.escalate_overdue_requests": _(
        "Pass requests past their answer date to a supervisor"
    ),
    "negotiation.tasks.refresh_aging": _("Refresh days past due and stages"),
    "negotiation.tasks.follow_plans": _("Follow the plans: overdue, broken, ended, reminders"),
    "negotiation.tasks.export_due_debits": _("Export the day's due debits"),
    "negotiation.tasks.expire_payment_intents": _(
        "Stop showing unanswered online payments as waiting"
    ),
    "negotiation.tasks.purge_identity_records": _("Delete identity-check records no longer needed"),
    "negotiation.tasks.purge_expired_personal_data": _(
        "Delete personal data past its retention period"
    ),
}


def job_label(task: PeriodicTask) -> str:
    label = JOB_LABELS.get(task.task)
    return str(label) if label is not None else task.name


# cron-descriptor's name for each of the portal's languages.
CRON_LOCALES = {"zh-hans": "zh_CN", "en": "en_US"}


def described(crontab: CrontabSchedule | None) -> str:
    """When a schedule runs, in words of the reader's language, with its time zone."""
    if crontab is None:
        return "—"
    options = Options()
    options.locale_code = CRON_LOCALES.get(get_language() or "en", "en_US")
    options.use_24hour_time_format = True
    expression = " ".join(
        (
            crontab.minute,
            crontab.hour,
            crontab.day_of_month,
            crontab.month_of_year,
            crontab.day_of_week,
        )
    )
    try:
        words = get_description(expression, options)
    except FormatException:
        words = expression
    return f"{words} ({crontab.timezone})"


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):  # type: ignore[misc]  # celery-beat ships no types
    fields = ("job", "task_run")
    readonly_fields = fields
    verbose_name = _("scheduled job using this schedule")
    verbose_name_plural = _("scheduled jobs using this schedule")

    @admin.display(description=_("job"))
    def job(self, obj: PeriodicTask) -> str:
        return job_label(obj)

    @admin.display(description=_("task run"))
    def task_run(self, obj: PeriodicTask) -> SafeString:
        return format_html("<code>{}</code>", obj.task)


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):  # type: ignore[misc]  # celery-beat ships no types
    list_display = ("job", "enabled", "schedule_in_words", "last_run_at")
    list_display_links = ("job",)
    list_filter = ["enabled", "one_off", "start_time", "last_run_at"]
    readonly_fields = ("last_run_at", "crontab_translation")
    change_form_template = None

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if "task" in form.base_fields:
            form.base_fields["task"].label = _("task run")
        return form

    @admin.display(description=_("job"), ordering="name")
    def job(self, obj: PeriodicTask) -> str:
        return job_label(obj)

    @admin.display(description=_("schedule"))
    def schedule_in_words(self, obj: PeriodicTask) -> str:
        if obj.crontab is not None:
            return described(obj.crontab)
        return str(obj.interval or obj.clocked or obj.solar or "—")

    @admin.display(description=_("when it runs"))
    def crontab_translation(self, obj: PeriodicTask) -> str:
        return described(obj.crontab)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        # celery-beat's own view adds every schedule's English description for its script.
        return admin.ModelAdmin.changeform_view(self, request, object_id, form_url, extra_context)


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):  # type: ignore[misc]  # celery-beat ships no types
    inlines = [PeriodicTaskInline]
    list_display = ("__str__", "in_words")
    fields = (
        "in_words",
        "minute",
        "hour",
        "day_of_month",
        "month_of_year",
        "day_of_week",
        "timezone",
    )
    readonly_fields = ("in_words",)

    @admin.display(description=_("when it runs"))
    def in_words(self, obj: CrontabSchedule) -> str:
        return described(obj)


class IntervalScheduleAdmin(beat_admin.IntervalScheduleAdmin):  # type: ignore[misc]  # celery-beat ships no types
    inlines = [PeriodicTaskInline]


for model, model_admin in (
    (PeriodicTask, PeriodicTaskAdmin),
    (CrontabSchedule, CrontabScheduleAdmin),
    (IntervalSchedule, IntervalScheduleAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
