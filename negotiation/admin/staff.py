"""Staff sign-ins: supervisors create them and put them in the role groups; an
administrator (a superuser) alone grants anything beyond the groups."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.exceptions import ServiceError
from negotiation.http import client_ip, staff_user
from negotiation.models import User
from negotiation.roles import GROUP_PERMISSIONS, group_label
from negotiation.services.secondfactor import reset_second_factor
from negotiation.services.staff import save_staff_user

# django-otp's own pages would show an app's secret and let anyone with the right edit it:
# a staff member sets up their app at sign-in, and a reset is the action below.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)

SUPERVISOR_FIELDSETS = (
    (None, {"fields": ("username", "password")}),
    (_("Person"), {"fields": ("first_name", "last_name", "email")}),
    (_("Access"), {"fields": ("is_active", "groups", "app_set_up")}),
    (_("Important dates"), {"fields": ("last_login", "date_joined")}),
)


class GroupFilter(admin.RelatedFieldListFilter):
    """The role groups, named in the staff member's language."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        return [
            (pk, group_label(str(name)))
            for pk, name in super().field_choices(field, request, model_admin)
        ]


class GroupChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return group_label(obj.name)


@admin.register(User)
class PortalUserAdmin(UserAdmin[User]):
    """Staff users only: debtors' sign-ins are made by activation, never here."""

    list_display = ("username", "email", "first_name", "last_name", "is_active", "app_set_up")
    list_filter = ("is_active", ("groups", GroupFilter))
    actions = ["reset_second_factor_action"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = (
            super()
            .get_queryset(request)
            .filter(is_staff=True)
            .annotate(
                has_app=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            )
        )
        if not staff_user(request).is_superuser:
            users = users.filter(is_superuser=False)
        return users

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None or staff_user(request).is_superuser:
            return super().get_fieldsets(request, obj)
        return SUPERVISOR_FIELDSETS

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("last_login", "date_joined", "app_set_up")

    @admin.display(description=_("Authenticator app"), boolean=True)
    def app_set_up(self, user: User) -> bool:
        return bool(getattr(user, "has_app", False))

    @admin.action(
        description=_("Reset the selected staff members' authenticator app (a lost phone)"),
        permissions=["change"],
    )
    def reset_second_factor_action(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        actor = staff_user(request)
        for user in queryset:
            reset_second_factor(user, actor=actor, ip=client_ip(request))
        self.message_user(
            request,
            _(
                "%(count)d reset. Each sets up an app again at their next sign-in: tell them "
                "in person or by phone, never by email."
            )
            % {"count": len(queryset)},
            messages.SUCCESS,
        )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=GROUP_PERMISSIONS)
            kwargs["form_class"] = GroupChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Nothing here: the user and their groups are saved together in save_related,
        through the one service (Django calls it next, with the form's groups)."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        groups = form.cleaned_data.get("groups")
        if groups is None:  # the add page: no groups yet, they are given on the next page
            groups = form.instance.groups.all() if form.instance.pk else Group.objects.none()
        try:
            save_staff_user(form.instance, actor=staff_user(request), groups=list(groups))
        except ServiceError as error:  # a debtor's or an administrator's sign-in: not here
            raise PermissionDenied(str(error.message)) from error
