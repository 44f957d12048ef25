"""What several staff pages share: records that change only through services, and names
and contact details shown only to staff who hold the right to see them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from negotiation.roles import VIEW_DEBTOR_CONTACT

_M = TypeVar("_M", bound=Model)


class ReadOnlyMixin:
    """For records that change only through services or imports."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ContactMaskingMixin(admin.ModelAdmin[_M]):
    """Names and contact details only for those who hold ``view_debtor_contact``; others
    (compliance) see initials and the debtor's reference, and cannot search by name."""

    def sees_contacts(self, request: HttpRequest) -> bool:
        return request.user.has_perm(VIEW_DEBTOR_CONTACT)

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = super().get_search_fields(request)
        if self.sees_contacts(request):
            return fields
        return tuple(f for f in fields if "name" not in f and "phone" not in f and "email" not in f)


def masked_name(full_name: str) -> str:
    """First letter of each part of the name: enough to tell cases apart, not to identify."""
    return " ".join(f"{part[0]}*" for part in full_name.split() if part) or "*"
