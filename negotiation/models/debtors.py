import datetime as dt
import functools
import hashlib
import hmac
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models.functions import Replace
from django.utils.translation import gettext_lazy as _

from negotiation.phones import SEPARATORS
from negotiation.policy import CONTACT_HOURS
from negotiation.references import new_debtor_reference


def hash_national_id(national_id: str) -> str:
    """Keyed hash (HMAC-SHA256) so the number can be matched but never read back (PIPL)."""
    normalized = national_id.strip().upper()
    keyed = _keyed_hash(settings.NATIONAL_ID_HASH_KEY).copy()
    keyed.update(normalized.encode())
    return keyed.hexdigest()


@functools.lru_cache(maxsize=4)
def _keyed_hash(key: str) -> hmac.HMAC:
    """The HMAC with the key already mixed in, copied for each number: an import hashes
    hundreds of thousands, and the key's two blocks need computing only once (keyed by the
    key itself, so a changed setting is never served a stale one)."""
    return hmac.new(key.encode(), digestmod=hashlib.sha256)


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


class PreferredChannel(models.TextChoices):
    """How a debtor with both a phone and an email prefers to hear from the bank (empty: by
    both). Messages about the sign-in itself go where they must whatever this says."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")


class Debtor(models.Model):
    """A cardholder. Linked 1:1 to a ``User`` once they activate portal access."""

    reference = models.CharField(
        max_length=16, unique=True, default=new_debtor_reference, verbose_name=_("reference")
    )
    # The bank's own key for the cardholder: imports match on it (never on the name).
    external_id = models.CharField(
        _("bank's debtor id"), max_length=64, unique=True, null=True, blank=True
    )
    # The import that brought this debtor in or last changed their details (an unchanged
    # debtor is not written again): staff invite "the debtors of this import".
    import_run = models.ForeignKey(
        "negotiation.ImportRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="debtors",
        verbose_name=_("last import"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="debtor",
        verbose_name=_("sign-in"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    # The national ID itself is never stored: only a keyed hash (to match imports) and the
    # last four characters (to confirm identity on the phone).
    national_id_hash = models.CharField(
        max_length=64, unique=True, verbose_name=_("national ID (keyed hash)")
    )
    national_id_last4 = models.CharField(max_length=4, verbose_name=_("national ID, last 4"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    # A default in the database too: the imports insert debtors in bulk SQL.
    preferred_channel = models.CharField(
        _("preferred channel"),
        max_length=8,
        choices=PreferredChannel.choices,
        blank=True,
        default="",
        db_default="",
    )
    # The hours the debtor prefers to be contacted, in their time zone: from the first hour
    # to the second (exclusive), inside the allowed contact hours (policy.CONTACT_HOURS).
    # Both empty: any time within the allowed hours.
    contact_from_hour = models.PositiveSmallIntegerField(
        _("contact from (hour)"), null=True, blank=True
    )
    contact_until_hour = models.PositiveSmallIntegerField(
        _("contact until (hour)"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("debtor")
        verbose_name_plural = _("debtors")
        permissions = [("view_debtor_contact", "Can see debtors' names and contact details")]
        indexes = [models.Index(phone_digits(), name="debtor_phone_digits")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact_from_hour__isnull=True, contact_until_hour__isnull=True)
                | models.Q(
                    # Stated, since a comparison with NULL would pass the check.
                    contact_from_hour__isnull=False,
                    contact_until_hour__isnull=False,
                    contact_from_hour__gte=CONTACT_HOURS[0],
                    contact_until_hour__lte=CONTACT_HOURS[1],
                    contact_from_hour__lt=models.F("contact_until_hour"),
                ),
                name="debtor_contact_window_within_hours",
                violation_error_message=_(
                    "The contact hours must be within 08:00-21:00, the first before the last."
                ),
            )
        ]

    def __str__(self) -> str:
        # The reference, never the name: page titles, breadcrumbs, dropdowns and logs must
        # not show a name to staff who may not see it (PIPL minimum necessary).
        return self.reference

    @property
    def zone(self) -> dt.tzinfo:
        """The debtor's time zone; one the database holds that no longer exists counts as
        the bank's own, rather than failing the record."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(settings.TIME_ZONE)

    @property
    def contact_hours(self) -> tuple[int, int]:
        """The hours the debtor may be contacted: their own window, or the allowed hours."""
        if self.contact_from_hour is None or self.contact_until_hour is None:
            return CONTACT_HOURS
        return (self.contact_from_hour, self.contact_until_hour)

    @property
    def contact_window_label(self) -> str:
        """The hours the debtor may be contacted, as "09:00-18:00"."""
        start, end = self.contact_hours
        return f"{start:02d}:00-{end:02d}:00"
