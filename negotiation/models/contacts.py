from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """A message on a request. ``internal`` notes are for staff only and never shown to the
    debtor (every debtor-facing read filters them out)."""

    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("request"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("message"), max_length=4000)
    internal = models.BooleanField(_("internal note"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return f"{self.request.reference} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def from_debtor(self) -> bool:
        return not self.author.is_staff


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Portal")
    LETTER = "letter", _("Letter")
    IN_PERSON = "in_person", _("In person")


class ContactDirection(models.TextChoices):
    OUTBOUND = "outbound", _("We contacted the debtor")
    INBOUND = "inbound", _("The debtor contacted us")


class ContactOutcome(models.TextChoices):
    SPOKE = "spoke", _("Spoke with the debtor")
    NO_ANSWER = "no_answer", _("No answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    PROMISE_TO_PAY = "promise_to_pay", _("Promise to pay")
    DISPUTE = "dispute", _("Debtor disputes the debt")
    ASKED_NOT_TO_CALL = "asked_not_to_call", _("Asked not to be called")
    INVALID_NUMBER = "invalid_number", _("Number invalid or not the debtor's")
    OTHER = "other", _("Other")


# Outcomes of an attempt that reached no one (contact rules: the daily cap on unanswered
# calls to a number, and the failed calls after which the debtor counts as unreachable).
# Every other outcome reached the person: "other" too, so a cap is never undercounted.
FAILED_OUTCOMES = frozenset(
    {ContactOutcome.NO_ANSWER, ContactOutcome.LEFT_MESSAGE, ContactOutcome.INVALID_NUMBER}
)


class ContactParty(models.TextChoices):
    DEBTOR = "debtor", _("The debtor")
    THIRD_PARTY = "third_party", _("A third party (the debtor's emergency contact)")


class CollectionAgency(models.Model):
    """A collection agency the bank has authorised to contact debtors on its behalf, as
    debtors read it on "Contacts from us": its name in both languages, its registration,
    the numbers it calls from, and the period of its authorisation. Managed by bank staff
    (services.agencies.save_agency); never deleted (untick "active")."""

    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    registration_number = models.CharField(_("registration number"), max_length=40)
    # One number a line, as the debtor sees it on their phone.
    phones = models.TextField(_("numbers it calls from"), max_length=1000)
    authorised_from = models.DateField(_("authorised from"))
    authorised_until = models.DateField(_("authorised until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("collection agency")
        verbose_name_plural = _("collection agencies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(authorised_until__isnull=True)
                | models.Q(authorised_until__gte=models.F("authorised_from")),
                name="agency_authorisation_period",
                violation_error_message=_("The authorisation cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_list(self) -> list[str]:
        return [line.strip() for line in self.phones.splitlines() if line.strip()]

    def name_in(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name


class ContactRecord(models.Model):
    """Every contact about a debtor, on any channel: who, when, how, what came of it
    (DOMAIN.md, contact rules). With the debtor, or with their emergency contact only once
    the debtor cannot be reached and only to ask for a call back (``relay_only``)."""

    debtor = models.ForeignKey(
        "negotiation.Debtor", on_delete=models.PROTECT, related_name="contacts"
    )
    account = models.ForeignKey(
        "negotiation.CreditAccount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    channel = models.CharField(_("channel"), max_length=12, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=ContactDirection.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ContactOutcome.choices)
    party = models.CharField(
        _("who was contacted"),
        max_length=12,
        choices=ContactParty.choices,
        default=ContactParty.DEBTOR,
        db_default=ContactParty.DEBTOR,
    )
    # The number called or texted, its digits as phones.same_number_forms gives them first
    # (a mainland mobile without +86), so one number is counted as one however it was typed.
    phone = models.CharField(
        _("number called"), max_length=32, blank=True, default="", db_default=""
    )
    # A third party is told nothing but to ask the debtor to call back (the guideline).
    relay_only = models.BooleanField(
        _("relayed a call-back request only; the debt was not disclosed"),
        default=False,
        db_default=False,
    )
    # A field visit (in person, made by us) is made by two staff members.
    second_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second staff member"),
    )
    # A supervisor's reason for recording a contact that breaks a rule of when or how
    # often (audited, with the rules, as contact.rules_overridden); empty otherwise.
    override_reason = models.TextField(
        _("reason for the exception"), blank=True, default="", db_default="", max_length=1000
    )
    # Made on the bank's behalf by an authorised agency (staff record what it reports).
    agency = models.ForeignKey(
        CollectionAgency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("made by agency"),
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    at = models.DateTimeField(_("when"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("contact record")
        verbose_name_plural = _("contact records")
        indexes = [models.Index(fields=["debtor", "at"])]
        permissions = [
            (
                "override_contact_rules",
                "Can record a contact that breaks a contact rule, with a reason",
            )
        ]
        # The last line of defence behind services.contacts.record_contact.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(party=ContactParty.DEBTOR)
                | models.Q(relay_only=True, direction=ContactDirection.OUTBOUND)
                & ~models.Q(phone=""),
                name="contact_third_party_relay_only",
                violation_error_message=_(
                    "A third party is called only by us, at a number recorded, to relay a "
                    "request to call back."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    channel=ContactChannel.IN_PERSON, direction=ContactDirection.OUTBOUND
                )
                | models.Q(second_staff__isnull=False),
                name="contact_field_visit_two_staff",
                violation_error_message=_("A field visit needs a second staff member recorded."),
            ),
            models.CheckConstraint(
                condition=models.Q(second_staff__isnull=True)
                | ~models.Q(second_staff=models.F("staff")),
                name="contact_second_staff_is_another",
                violation_error_message=_(
                    "The second staff member must be someone other than the one recording."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.at:%Y-%m-%d %H:%M}"
