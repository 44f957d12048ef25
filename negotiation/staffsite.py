"""The staff site: Django's admin, open only to a staff member who signed in with their
password and then a code from their authenticator app (django-otp). The sign-in's steps
are in views.staffsignin; ``has_permission`` is what every admin page checks."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, path
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from negotiation.roles import VIEW_RELIEF_DASHBOARD
from negotiation.sessions import keep_alive
from negotiation.views import reporting, staffsignin


def _boolean_icon(value: bool | None) -> SafeString:
    """Django's yes/no icon, its text alternative in the reader's language: Django writes
    "True" and "False" in English whatever the language, and a screen reader reads it."""
    name = {True: "yes", False: "no", None: "unknown"}[value]
    icon = static(f"admin/img/icon-{name}.svg")
    said = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[value]
    return format_html('<img src="{}" alt="{}">', icon, said)


# Every caller in the admin imports it from this module when it runs, so one assignment
# serves the lists, the read-only fields and the change pages alike.
admin_list._boolean_icon = _boolean_icon  # type: ignore[attr-defined]


class StaffSite(admin.AdminSite):
    # In the staff member's language, as every label on the site.
    site_header = gettext_lazy("Debt relief: staff")
    site_title = gettext_lazy("Debt relief staff")
    index_title = gettext_lazy("Review and accounts")
    site_url = None  # staff are not debtors: the portal has nothing for them

    def has_permission(self, request: HttpRequest) -> bool:
        """Active staff whose sign-in was confirmed by a code (``is_verified``, set by
        django-otp's middleware): a password alone opens nothing here."""
        user: Any = request.user
        return super().has_permission(request) and bool(user.is_verified())

    def get_urls(self) -> list[URLResolver | URLPattern]:
        steps = [
            path("login/code/", self._step(staffsignin.code_step), name="staff_code"),
            path("login/app/", self._step(staffsignin.enrol_step), name="staff_enrol"),
            path(
                "recovery-codes/",
                self.admin_view(self._step(staffsignin.recovery_codes)),
                name="staff_recovery_codes",
            ),
            # The warning's "Stay signed in" (static/js/session-timeout.js): 204.
            path("keep-alive/", self.admin_view(require_POST(keep_alive)), name="staff_keep_alive"),
            # Supervisors' and compliance's figures (views.reporting checks the right).
            path(
                "relief-dashboard/",
                self.admin_view(self._step(reporting.relief_dashboard)),
                name="relief_dashboard",
            ),
        ]
        return steps + super().get_urls()

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """The staff index, with the link to the relief dashboard for whoever may read it."""
        context = {
            **(extra_context or {}),
            "relief_dashboard": request.user.has_perm(VIEW_RELIEF_DASHBOARD),
        }
        return super().index(request, extra_context=context)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        return staffsignin.password_step(request, self, extra_context)

    def _step(self, view: Any) -> Any:
        def step(request: HttpRequest) -> HttpResponse:
            request.current_app = self.name
            response: HttpResponse = view(request, self)
            return response

        return never_cache(step)
