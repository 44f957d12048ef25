from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

import negotiation.converters  # noqa: F401  (registers the ref and token converters)
from negotiation.language import set_language
from negotiation.textsize import set_text_size
from negotiation.views import onboarding, payments
from negotiation.views.system import DebtorLoginView, healthz, readyz

# admin.site is negotiation.staffsite.StaffSite (the password, then a code from an app).

urlpatterns = [
    path("login/", DebtorLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # A forgotten password, under Django's names (the identity check and a code by SMS
    # before the new password: negotiation/views/onboarding.py).
    path("password/reset/", onboarding.password_reset, name="password_reset"),
    path("password/reset/sent/", onboarding.password_reset_done, name="password_reset_done"),
    path("password/reset/code/", onboarding.password_reset_code, name="password_reset_code"),
    path("password/reset/new/", onboarding.password_reset_set, name="password_reset_set"),
    path(
        "password/reset/done/",
        onboarding.password_reset_complete,
        name="password_reset_complete",
    ),
    path(
        "password/reset/<ref:reference>/<token:token>/",
        onboarding.password_reset_confirm,
        name="password_reset_confirm",
    ),
    # A payment provider's signed notifications: no sign-in, no CSRF token (the signature
    # is the proof), outside the debtor site (negotiation/views/payments.py).
    path("payments/webhook/<slug:provider>/", payments.payments_webhook, name="payments_webhook"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # The switcher also saves a debtor's choice on their record (negotiation/language.py).
    path("i18n/setlang/", set_language, name="set_language"),
    # Larger text, on every debtor page (negotiation/textsize.py).
    path("text-size/", set_text_size, name="set_text_size"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("negotiation.urls")),
]

handler500 = "negotiation.views.errors.server_error"
