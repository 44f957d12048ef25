from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from negotiation.language import set_language
from negotiation.views.system import DebtorLoginView, healthz

admin.site.site_header = "Debt relief: staff"
admin.site.site_title = "Debt relief staff"
admin.site.index_title = "Review and accounts"
admin.site.site_url = None  # staff are not debtors: the portal has nothing for them

urlpatterns = [
    path("login/", DebtorLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    # The switcher also saves a debtor's choice on their record (negotiation/language.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("negotiation.urls")),
]
