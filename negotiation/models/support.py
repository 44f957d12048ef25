"""Extra support (issue 16, item 10): a debtor says that something makes money matters
harder for them now, using the four drivers of the UK FCA's guidance on the fair treatment
of vulnerable customers (FG21/1): health, a life event, low resilience, low capability.

One row per debtor (not per account: it is about the person), written only by
``services.support``. What a debtor's health is is sensitive personal information (PIPL
Art. 28): it is kept only with the debtor's separate consent (单独同意, Art. 29), recorded
with the consent wording's version and its moment. The free-text note may hold anything,
health included, so it is kept under the same consent. Withdrawing empties the row (the
drivers, the note, the consent) and keeps that it existed, and when, in the audit trail.

The row also remembers that the debtor was asked: the account page offers this once, and an
offer dismissed (``DISMISSED``) or answered is not offered again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportStatus(models.TextChoices):
    ACTIVE = "active", _("Extra support in place")
    WITHDRAWN = "withdrawn", _("Withdrawn by the customer")
    DISMISSED = "dismissed", _("Offer dismissed")


# The one table of allowed moves (services.support.transition_support_need). A new row
# starts ACTIVE (the debtor says it) or DISMISSED (the debtor dismisses the offer). ACTIVE to
# ACTIVE is a change of what was said.
SUPPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    SupportStatus.ACTIVE: frozenset({SupportStatus.ACTIVE, SupportStatus.WITHDRAWN}),
    SupportStatus.WITHDRAWN: frozenset({SupportStatus.ACTIVE}),
    SupportStatus.DISMISSED: frozenset({SupportStatus.ACTIVE}),
}

# The drivers, as the fields that hold them (FG21/1's four drivers of vulnerability).
DRIVERS = ("health", "life_event", "resilience", "capability")
_NO_DRIVER = models.Q(health=False, life_event=False, resilience=False, capability=False)
_CONSENTED = models.Q(consented_at__isnull=False) & ~models.Q(consent_version="")


class SupportNeed(models.Model):
    """What the debtor told us makes money matters harder, and their consent. Staff see
    that it exists (a marker) on every case; what it says only with ``view_support_need``,
    and every such reading is audited (``support_need.read``)."""

    debtor = models.OneToOneField(
        "negotiation.Debtor",
        on_delete=models.CASCADE,
        related_name="support_need",
        verbose_name=_("customer"),
    )
    status = models.CharField(_("status"), max_length=10, choices=SupportStatus.choices)
    # FG21/1's drivers. health: only with the consent below (a database check).
    health = models.BooleanField(_("health"), default=False)
    life_event = models.BooleanField(_("a life event"), default=False)
    resilience = models.BooleanField(_("little to fall back on"), default=False)
    capability = models.BooleanField(_("difficulty with reading, numbers or forms"), default=False)
    # The debtor's own words, optional; only with the consent (it may speak of health).
    note = models.TextField(_("note"), max_length=500, blank=True)
    # The separate consent to process sensitive information (PIPL Art. 29): the version of
    # the wording agreed (services.support.SUPPORT_CONSENT_VERSION) and when.
    consent_version = models.CharField(_("consent version"), max_length=20, blank=True)
    consented_at = models.DateTimeField(_("consented at"), null=True, blank=True)
    # When the debtor last said it (or changed it), withdrew it, or dismissed the offer.
    said_at = models.DateTimeField(_("said at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    dismissed_at = models.DateTimeField(_("offer dismissed at"), null=True, blank=True)
    # Set when the retention job emptied it (RETENTION_SUPPORT_NEED_DAYS after it was said).
    removed_on = models.DateField(_("removed under the retention policy on"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("extra support")
        verbose_name_plural = _("extra support")
        permissions = [
            ("view_support_need", _("Can read what a customer's extra support need is")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SupportStatus.values),
                name="support_status_known",
                violation_error_message=_("This extra support status is not one the portal knows."),
            ),
            # PIPL Art. 28-29: health, and the free text, only with the separate consent.
            models.CheckConstraint(
                condition=(models.Q(health=False) & models.Q(note="")) | _CONSENTED,
                name="support_health_only_with_consent",
                violation_error_message=_(
                    "Health information and a note are kept only with the customer's consent."
                ),
            ),
            # In place: at least one driver, and when it was said.
            models.CheckConstraint(
                condition=~models.Q(status=SupportStatus.ACTIVE)
                | (~_NO_DRIVER & models.Q(said_at__isnull=False)),
                name="support_active_has_a_driver",
                violation_error_message=_("Extra support needs at least one thing that applies."),
            ),
            # Withdrawn or dismissed: nothing of what was said is kept.
            models.CheckConstraint(
                condition=models.Q(status=SupportStatus.ACTIVE)
                | (_NO_DRIVER & models.Q(note="", consent_version="", consented_at__isnull=True)),
                name="support_inactive_is_empty",
                violation_error_message=_(
                    "Withdrawn extra support keeps nothing of what the customer said."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_status_display())

    @property
    def is_active(self) -> bool:
        return self.status == SupportStatus.ACTIVE

    @property
    def drivers(self) -> list[str]:
        """The drivers that apply, by field name, in FG21/1's order."""
        return [name for name in DRIVERS if getattr(self, name)]
