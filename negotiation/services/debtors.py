"""The debtor's own settings."""

from __future__ import annotations

from negotiation.models import Debtor, User


def save_preferred_language(user: User, language: str) -> bool:
    """Keep ``language`` on the debtor signed in as ``user`` (staff have no debtor record:
    nothing happens), so their notifications, emails, SMS and PDFs follow it. Whether a
    record changed; choosing the language already saved writes nothing."""
    changed = (
        Debtor.objects.filter(user=user)
        .exclude(preferred_language=language)
        .update(preferred_language=language)
    )
    return changed > 0
