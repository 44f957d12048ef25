"""The staff site, one module per area. Importing the package registers every page.

Decisions call the same services the tests call; money and status are read-only here,
because they change only through services (STYLE.md, "Admin calls services")."""

from negotiation.admin import (
    accounts,
    callbacks,
    content,
    disputes,
    imports,
    outbox,
    plans,
    programs,
    schedules,
    staff,
    workbench,
)

__all__ = [
    "accounts",
    "callbacks",
    "content",
    "disputes",
    "imports",
    "outbox",
    "plans",
    "programs",
    "schedules",
    "staff",
    "workbench",
]
