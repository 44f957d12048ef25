import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from negotiation.phones import SEPARATORS
from negotiation.references import new_debtor_reference


def hash_national_id(national_id: str) -> str:
    """Keyed hash (HMAC-SHA256) so the number can be matched but never read back (PIPL)."""
    normalized = national_id.strip().upper()
    key = settings.NATIONAL_ID_HASH_KEY.encode()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def phone_digits() -> models.Func:
    """``Debtor.phone`` without the separators people and imports write (spaces, dashes,
    brackets, dots, "+"), as the database computes it: "+86 138-0013-8000" is
    "8613800138000". The same expression is indexed, so a sign-in by phone is one index
    lookup whichever way the number was written (phones.same_number_forms gives the forms)."""
    expression: models.Func | models.F = models.F("phone")
    for separator in SEPARATORS:
        expression = Replace(expression, models.Value(separator), models.Value(""))
    assert isinstance(expression, models.Func)
    return expression


class Debtor(models.Model):
    """A cardholder. Linked 1:1 to a ``User`` once they activate portal access."""

    reference = models.CharField(max_length=16, unique=True, default=new_debtor_reference)
    # The bank's own key for the cardholder: imports match on it (never on the name).
    external_id = models.CharField(
        _("bank's debtor id"), max_length=64, unique=True, null=True, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="debtor",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    # The national ID itself is never stored: only a keyed hash (to match imports) and the
    # last four characters (to confirm identity on the phone).
    national_id_hash = models.CharField(max_length=64, unique=True)
    national_id_last4 = models.CharField(max_length=4)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")
        permissions = [("view_debtor_contact", "Can see debtors' names and contact details")]
        indexes = [models.Index(phone_digits(), name="debtor_phone_digits")]

    def __str__(self) -> str:
        # The reference, never the name: page titles, breadcrumbs, dropdowns and logs must
        # not show a name to staff who may not see it (PIPL minimum necessary).
        return self.reference
