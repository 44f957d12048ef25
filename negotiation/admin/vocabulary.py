"""Words the staff site shows that Django and django-celery-beat write but their Chinese
catalogues lack (Django 5.2 added them after its zh_Hans translation was made). Marked here
so `makemessages` carries them into the portal's own catalogue, which Django consults
before its own: the staff site then reads wholly in the staff member's language. Nothing
calls these; a test (tests/admin/test_staff_in_chinese.py) finds any that go missing."""

from django.utils.translation import gettext_noop

DJANGO_ADMIN = (
    # A form's label suffix: Django's Chinese keeps the half-width colon ("编号:").
    gettext_noop(":"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("Search"),
)
CELERY_BEAT = (
    # Its Chinese names the field by its code ("如果enabled设置为False"): said in words here.
    gettext_noop(
        "Datetime that the schedule last triggered the task to run. Reset to None if "
        "enabled is set to False."
    ),
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    gettext_noop('Cron Months (1-12) Of The Year to Run. Use "*" for "all". (Example: "1,12")'),
    gettext_noop(
        'Cron Days Of The Week to Run. Use "*" for "all", Sunday is 0 or 7, Monday is 1. '
        '(Example: "0,5")'
    ),
)
