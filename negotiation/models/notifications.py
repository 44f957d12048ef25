"""The outbox: what the debtor is told, on which channel, and where each message stands.

``NotificationEvent`` names every event the debtor hears of. Its value is stored
(``Notification.template``) and names the event's text, ``templates/notifications/<value>.txt``
(see negotiation/notification_texts.py), so a value is never changed, only added.
"""

from typing import NamedTuple

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class NotificationEvent(models.TextChoices):
    REQUEST_APPROVED = "request.approved", _("Request approved")
    REQUEST_REJECTED = "request.rejected", _("Request not approved")
    REQUEST_NEEDS_INFO = "request.needs_info", _("More information asked for")
    REQUEST_COUNTER_OFFERED = "request.counter_offered", _("Counter-offer made")
    REQUEST_AWAITING_SECOND_APPROVAL = (
        "request.awaiting_second_approval",
        _("Request with a second reviewer"),
    )
    INSTALLMENT_DUE_SOON = "installment.due_soon", _("Payment due soon")
    INSTALLMENT_OVERDUE = "installment.overdue", _("Payment not received in full")
    PLAN_SIGNATURE_REMINDER = "plan.signature_reminder", _("Plan waiting for a signature")
    PLAN_EXPIRED = "plan.expired", _("Plan expired unsigned")
    PLAN_BROKEN = "plan.broken", _("Plan ended after missed payments")
    PLAN_COMPLETED = "plan.completed", _("Plan fully paid")
    PAYMENT_RECEIVED = "payment.received", _("Payment received")
    PROMISE_KEPT = "promise.kept", _("Promised payment received")
    PROMISE_BROKEN = "promise.broken", _("Promised payment not received")
    PLAN_CHANGED = "plan.changed", _("Plan changed")
    PLAN_CHANGE_ANSWERED = "plan.change_answered", _("Answer about changing a plan")
    MANDATE_SET_UP = "mandate.set_up", _("Automatic repayment set up")
    MANDATE_CANCELLED = "mandate.cancelled", _("Automatic repayment cancelled")
    DISPUTE_RECEIVED = "dispute.received", _("Dispute received")
    DISPUTE_EXTENDED = "dispute.extended", _("Dispute answer date extended")
    DISPUTE_ANSWERED = "dispute.answered", _("Dispute answered")
    ACCOUNT_CHANGED = "account.changed", _("Change to your account")
    INVITATION = "access.invitation", _("Invitation to set up a sign-in")
    PASSWORD_RESET = "access.password_reset", _("Link to choose a new password")
    PASSWORD_CHANGED = "access.password_changed", _("Password changed")
    CONTACT_CHANGED = "access.contact_changed", _("Phone number or email changed")
    SIGN_IN_PAUSED = "access.sign_in_paused", _("Signing in paused after wrong passwords")
    PASSWORD_CHECK_PAUSED = (
        "access.password_check_paused",
        _("Changes and signing paused after wrong passwords"),
    )


class NotificationPage(models.TextChoices):
    """Which page a notification about a plan or a payment opens (its ``page`` context);
    without one it opens the request named by its ``reference``."""

    PLAN = "plan", _("Plan")
    ACCOUNT = "account", _("Account")
    DISPUTE = "dispute", _("Dispute")


class NotificationLink(NamedTuple):
    url: str
    label: str


_PLAN = frozenset({"reference", "page"})
# The keys of each event's ``Notification.context``, which its template may use (a test
# checks every notification the test suite writes): ``reference`` is the request's, the
# plan's or the account's; ``page`` the page the inbox links to ("plan" or "account"; a
# request's events have none); dates are ISO 8601, shown with the ``isodate`` filter;
# amounts are already formatted with their currency.
NOTIFICATION_CONTEXT: dict[NotificationEvent, frozenset[str]] = {
    NotificationEvent.REQUEST_APPROVED: frozenset({"reference"}),
    NotificationEvent.REQUEST_REJECTED: frozenset({"reference"}),
    NotificationEvent.REQUEST_NEEDS_INFO: frozenset({"reference"}),
    NotificationEvent.REQUEST_COUNTER_OFFERED: frozenset({"reference"}),
    NotificationEvent.REQUEST_AWAITING_SECOND_APPROVAL: frozenset({"reference"}),
    # debit_from: under automatic repayment, the bank and the account's last 4 digits the
    # amount is taken from on the due date ("": the debtor pays it themselves).
    NotificationEvent.INSTALLMENT_DUE_SOON: _PLAN | {"due", "amount", "debit_from"},
    NotificationEvent.INSTALLMENT_OVERDUE: _PLAN | {"due"},
    NotificationEvent.PLAN_SIGNATURE_REMINDER: _PLAN | {"until"},
    NotificationEvent.PLAN_EXPIRED: _PLAN,
    NotificationEvent.PLAN_BROKEN: _PLAN,
    NotificationEvent.PLAN_COMPLETED: _PLAN,
    # still_to_pay: after this payment, what is left under the plan (page "plan") or on the
    # account (page "account"), formatted, from selectors.ledger like every page.
    NotificationEvent.PAYMENT_RECEIVED: _PLAN | {"amount", "paid_on", "still_to_pay"},
    # An account's promise: amount promised, by (ISO day); page "account".
    NotificationEvent.PROMISE_KEPT: _PLAN | {"amount", "by"},
    NotificationEvent.PROMISE_BROKEN: _PLAN | {"amount", "by"},
    # version: the plan's new version, signed; next_due: the next payment's day (ISO).
    NotificationEvent.PLAN_CHANGED: _PLAN | {"version", "next_due"},
    NotificationEvent.PLAN_CHANGE_ANSWERED: _PLAN,
    # A plan's automatic repayment (page "plan"): debit_from as above; first_debit: the
    # first due date debited; last_debit: a cancellation too late for the next debit, that
    # debit's date ("" if none); stops_from: the first due date no longer debited ("" if none).
    NotificationEvent.MANDATE_SET_UP: _PLAN | {"debit_from", "first_debit"},
    NotificationEvent.MANDATE_CANCELLED: _PLAN | {"debit_from", "last_debit", "stops_from"},
    # A dispute's (page "dispute"): due, the day the answer is due by (ISO).
    NotificationEvent.DISPUTE_RECEIVED: _PLAN | {"due"},
    NotificationEvent.DISPUTE_EXTENDED: _PLAN | {"due"},
    NotificationEvent.DISPUTE_ANSWERED: _PLAN,
    # Bank staff froze, unfroze, closed or charged off the account, or corrected its
    # balance (services.accounts): page "account", where the change and its reason are.
    NotificationEvent.ACCOUNT_CHANGED: _PLAN,
    # link: the one-time link, blanked on the row once it is delivered; hours / minutes:
    # how long it works; changed_on: the day of the change (ISO).
    NotificationEvent.INVITATION: frozenset({"link", "hours"}),
    NotificationEvent.PASSWORD_RESET: frozenset({"link", "minutes"}),
    NotificationEvent.PASSWORD_CHANGED: frozenset({"changed_on"}),
    # field: "phone" or "email", what changed; sent to the old number or address.
    NotificationEvent.CONTACT_CHANGED: frozenset({"changed_on", "field"}),
    # minutes: how long signing in rests after the failures (AXES_COOLOFF_MINUTES).
    NotificationEvent.SIGN_IN_PAUSED: frozenset({"minutes"}),
    # minutes: how long changes of contact details and signing rest (the password asked
    # again before them did not match too often: IDENTITY_CHECK_LOCK_MINUTES).
    NotificationEvent.PASSWORD_CHECK_PAUSED: frozenset({"minutes"}),
}
# About the sign-in itself: each has its own text message (templates/sms/<event>.txt), since
# it says nothing of a debt, and its email does not ask the debtor to sign in to read more.
ACCESS_EVENTS = frozenset(
    {
        NotificationEvent.INVITATION,
        NotificationEvent.PASSWORD_RESET,
        NotificationEvent.PASSWORD_CHANGED,
        NotificationEvent.CONTACT_CHANGED,
        NotificationEvent.SIGN_IN_PAUSED,
        NotificationEvent.PASSWORD_CHECK_PAUSED,
    }
)
# The message carries a one-time link: sent by email or SMS only (never to the inbox of a
# portal the debtor cannot open yet), and the link is blanked on the row once delivered, so
# the outbox does not keep a usable link.
LINK_EVENTS = frozenset({NotificationEvent.INVITATION, NotificationEvent.PASSWORD_RESET})


class NotificationChannel(models.TextChoices):
    PORTAL = "portal", _("Portal inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Withheld (account in dispute)")


class Notification(models.Model):
    """One message to the debtor on one channel, written in the same transaction as the
    event that causes it. ``dedupe_key`` makes writing it twice impossible."""

    debtor = models.ForeignKey(
        "negotiation.Debtor",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("debtor"),
    )
    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request"),
    )
    channel = models.CharField(
        max_length=8, choices=NotificationChannel.choices, verbose_name=_("channel")
    )
    # What happened, which also names the text: templates/notifications/<event>.txt.
    template = models.CharField(
        max_length=64, choices=NotificationEvent.choices, verbose_name=_("message")
    )
    context = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    scheduled_for = models.DateTimeField(verbose_name=_("scheduled for"))
    status = models.CharField(
        max_length=8,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
        verbose_name=_("status"),
    )
    dedupe_key = models.CharField(max_length=120, unique=True, verbose_name=_("deduplication key"))
    # The occasion (event and key) without the channel: one reminder by email and SMS is
    # one contact for the 7-in-7 cap.
    occasion = models.CharField(
        max_length=110, blank=True, db_index=True, verbose_name=_("occasion")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(
        blank=True, verbose_name=_("last error")
    )  # why the last attempt failed, for the admin
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    read_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("read at")
    )  # portal inbox only
    # Where the message goes when it is not the debtor's number or address on file at
    # delivery: the old one, told that it was replaced (empty: the one on file).
    address = models.CharField(max_length=254, blank=True, verbose_name=_("address"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["debtor", "channel", "read_at"]),
            models.Index(fields=["status", "scheduled_for"]),
        ]
        permissions = [("resend_notification", "Can send a failed notification again")]

    def __str__(self) -> str:
        return gettext("%(template)s to debtor %(debtor)s by %(channel)s") % {
            "template": self.template,
            "debtor": self.debtor_id,
            "channel": self.get_channel_display(),
        }

    @property
    def link(self) -> NotificationLink | None:
        """Where the debtor goes from this message in the inbox, in their words."""
        reference = self.context.get("reference")
        if not reference:
            return None
        page = self.context.get("page")
        if page == NotificationPage.PLAN:
            url = reverse("negotiation:plan_detail", args=[reference])
            return NotificationLink(url, gettext("Open plan %(ref)s") % {"ref": reference})
        if page == NotificationPage.ACCOUNT:
            url = reverse("negotiation:account", args=[reference])
            return NotificationLink(url, gettext("Open the account"))
        if page == NotificationPage.DISPUTE:
            url = reverse("negotiation:dispute_detail", args=[reference])
            return NotificationLink(url, gettext("Open dispute %(ref)s") % {"ref": reference})
        url = reverse("negotiation:request_detail", args=[reference])
        return NotificationLink(url, gettext("Open request %(ref)s") % {"ref": reference})
