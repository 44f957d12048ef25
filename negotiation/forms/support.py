"""Extra support, from the debtor's profile: what applies (FCA FG21/1's four drivers, in
plain words), an optional note, and the separate consent (PIPL Art. 29), unticked unless the
debtor ticks it. Without it, health and the note cannot be kept; the others can."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from negotiation.exceptions import ConsentNeeded, NoSupportDriver
from negotiation.models import DRIVERS, SupportNeed

NOTE_MAX = 500

# The consent's words (the box's label and the line under it), version
# services.support.SUPPORT_CONSENT_VERSION: a change of these words is a new version.
SUPPORT_CONSENT_TEXT = _(
    "I agree that the bank keeps what I tell here about my health, and my note, to give me "
    "extra support"
)
SUPPORT_CONSENT_HELP = _(
    "Only the staff who handle my case may read it. I can withdraw this at any time on this page."
)


class SupportNeedForm(forms.Form):
    health = forms.BooleanField(
        label=_("My health: an illness, a disability, or my mental health"),
        required=False,
    )
    life_event = forms.BooleanField(
        label=_("Something that happened: a bereavement, losing my job, a separation"),
        required=False,
    )
    resilience = forms.BooleanField(
        label=_("Little to fall back on: no savings, or my income goes up and down"),
        required=False,
    )
    capability = forms.BooleanField(
        label=_("Reading, numbers or forms are hard for me, or our language is not my first"),
        required=False,
    )
    note = forms.CharField(
        label=_("Anything you would like us to know (optional)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("Please keep the note to %(limit_value)d characters or fewer.")
        },
    )
    consent = forms.BooleanField(
        label=SUPPORT_CONSENT_TEXT, help_text=SUPPORT_CONSENT_HELP, required=False
    )

    @classmethod
    def for_need(cls, need: SupportNeed | None, data: Any = None) -> SupportNeedForm:
        """The form, ticked as the debtor last said it (empty when nothing is in place)."""
        initial: dict[str, Any] = {}
        if need is not None and need.is_active:
            initial = {name: getattr(need, name) for name in DRIVERS}
            initial |= {"note": need.note, "consent": bool(need.consented_at)}
        return cls(data, initial=initial)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in DRIVERS):
            raise forms.ValidationError(str(NoSupportDriver.default_message))
        if (data.get("health") or (data.get("note") or "").strip()) and not data.get("consent"):
            self.add_error("consent", str(ConsentNeeded.default_message))
        return data
