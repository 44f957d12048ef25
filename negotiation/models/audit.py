"""The audit trail: one append-only row per decision, change or sensitive read.

``AuditAction`` names every action the code records; its values are stored in existing rows
and read back (tests, the staff pages), so a value is never changed, only added. ``AUDIT_KEYS``
says which keys each action's ``before`` and ``after`` hold: one name per fact, so the trail
reads the same whoever wrote the row (the debtor's request timeline reads ``after["status"]``).
The test suite checks every row it writes against that table (tests/conftest.py).
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    ACCOUNT_TRANSITION = "account.transition", _("Account status changed")
    ACCOUNT_AGING_PAUSED = "account.aging_paused", _("Account aging paused")
    ACCOUNT_AGING_PAUSE_ENDED = "account.aging_pause_ended", _("Account aging pause ended")
    APPROVAL_LIMIT_CREATED = "approval_limit.created", _("Approval limit set")
    APPROVAL_LIMIT_CHANGED = "approval_limit.changed", _("Approval limit changed")
    STAFF_USER_CREATED = "staff_user.created", _("Staff user created")
    STAFF_USER_CHANGED = "staff_user.changed", _("Staff user changed")
    CONSEQUENCE_RULE_PUBLISHED = "consequence_rule.published", _("Consequence rule published")
    CONSEQUENCE_RULE_CHANGED = "consequence_rule.changed", _("Consequence rule corrected")
    DEBTOR_IMPORT_CHANGED = "debtor.import_changed", _("Debtor's details changed by an import")
    ACCOUNT_IMPORT_CHANGED = "account.import_changed", _("Account changed by an import")
    ACCOUNT_LEDGER_CORRECTED = "account.ledger_corrected", _("Account balance corrected")
    PAYOFF_LETTER_ISSUED = "account.payoff_letter_issued", _("Payoff letter issued")
    PROMISE_MADE = "promise.made", _("Promise to pay made")
    REPAYMENT_CHANNEL_SAVED = "content.repayment_channel_saved", _("Repayment channel saved")
    WORDING_TEMPLATE_SAVED = "content.wording_template_saved", _("Wording template saved")
    AGENCY_SAVED = "content.agency_saved", _("Collection agency saved")
    CALLBACK_BOOKED = "callback.booked", _("Call back booked")
    CALLBACK_TAKEN = "callback.taken", _("Call back taken")
    CALLBACK_TRANSITION = "callback.transition", _("Call back made, missed or cancelled")
    PROMISE_TRANSITION = "promise.transition", _("Promise to pay kept or not kept")
    LETTER_READ = "account.letter_read", _("Letter read by staff")
    IMPORT_FINISHED = "import.finished", _("Import finished")
    IMPORT_INVITATIONS_REQUESTED = (
        "import.invitations_requested",
        _("Invitations asked for the debtors of an import"),
    )
    IMPORT_INVITATIONS_FINISHED = (
        "import.invitations_finished",
        _("Invitations for the debtors of an import finished"),
    )
    DEBTOR_ACTIVATED = "debtor.activated", _("Debtor set up their sign-in")
    DEBTOR_CONTACT_CODE_SENT = (
        "debtor.contact_code_sent",
        _("Code sent to confirm a new phone number or email"),
    )
    DEBTOR_CONTACT_CHANGED = "debtor.contact_changed", _("Debtor changed their phone or email")
    DEBTOR_PREFERENCES_CHANGED = (
        "debtor.preferences_changed",
        _("Debtor changed their language, channel or contact hours"),
    )
    DOCUMENT_UPLOADED = "document.uploaded", _("Document uploaded")
    DOCUMENT_DOWNLOADED = "document.downloaded", _("Document downloaded")
    IDENTITY_CHECK_LOCKED = "identity.locked", _("Link paused after answers that did not match")
    INVITATION_SENT = "invitation.sent", _("Invitation to the portal sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation to the portal revoked")
    NOTICE_RECORDED = "notice.recorded", _("Collection notice recorded")
    NOTICE_UPDATED = "notice.updated", _("Collection notice updated")
    NOTIFICATION_SENT_AGAIN = "notification.sent_again", _("Message sent again")
    OFFER_MADE = "offer.made", _("Counter-offer made")
    OFFER_SETTLED = "offer.settled", _("Offer closed")
    PASSWORD_RESET_SENT = "password.reset_sent", _("Password reset link sent")
    PASSWORD_RESET = "password.reset", _("Password changed after the identity check")
    SIGNED_IN = "auth.signed_in", _("Signed in")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Sign-in that did not work")
    SIGNED_OUT = "auth.signed_out", _("Signed out")
    SIGN_IN_LOCKED = "auth.locked", _("Signing in paused after wrong passwords")
    SIGNED_OUT_EVERYWHERE = "auth.signed_out_everywhere", _("Signed out everywhere")
    SECOND_FACTOR_ENROLLED = "auth.second_factor_enrolled", _("Authenticator app set up")
    SECOND_FACTOR_FAILED = "auth.second_factor_failed", _("Sign-in code that did not work")
    SECOND_FACTOR_RESET = "auth.second_factor_reset", _("Authenticator app reset")
    RECOVERY_CODE_USED = "auth.recovery_code_used", _("Recovery code used")
    RECOVERY_CODES_REPLACED = "auth.recovery_codes_replaced", _("New recovery codes made")
    PAYMENT_RECORDED = "payment.recorded", _("Payment recorded")
    PAYMENT_INTENT_STARTED = "payment_intent.started", _("Online payment started")
    PAYMENT_INTENT_TRANSITION = (
        "payment_intent.transition",
        _("Online payment confirmed, not completed or expired"),
    )
    PAYMENT_EVENT_RECEIVED = (
        "payment_intent.event_received",
        _("Notification from a payment provider received"),
    )
    PLAN_CREATED = "plan.created", _("Plan created")
    PLAN_TRANSITION = "plan.transition", _("Plan status changed")
    PLAN_AGREEMENT_STORED = "plan.agreement_stored", _("Signed agreement stored")
    PLAN_AGREEMENT_READ = "plan.agreement_read", _("Agreement read by staff")
    PLAN_SIGNING_CODE_SENT = "plan.signing_code_sent", _("Signing code sent")
    PLAN_SIGNING_CODE_WRONG = "plan.signing_code_wrong", _("Wrong signing code")
    PLAN_CHANGE_PROPOSED = "plan.change_proposed", _("Change of a plan set out for signature")
    PLAN_CHANGE_TRANSITION = (
        "plan.change_transition",
        _("Change of a plan signed, given up or expired"),
    )
    PLAN_CHANGE_ASKED = "plan.change_asked", _("Change of a plan asked of the bank")
    PLAN_CHANGE_ANSWERED = "plan.change_answered", _("Request to change a plan answered")
    PROGRAM_CREATED = "program.created", _("Program created")
    PROGRAM_CHANGED = "program.changed", _("Program changed")
    REQUEST_SUBMITTED = "request.submitted", _("Request submitted")
    REQUEST_TRANSITION = "request.transition", _("Request status changed")
    REQUEST_ASSIGNED = "request.assigned", _("Request assigned")
    REQUEST_ESCALATED = "request.escalated", _("Request escalated to supervisors")
    RETENTION_PURGED = "retention.purged", _("Removed under the retention policy")
    MANDATE_SET_UP = "mandate.set_up", _("Automatic repayment set up")
    MANDATE_TRANSITION = "mandate.transition", _("Automatic repayment cancelled or ended")
    DIRECT_DEBITS_EXPORTED = "mandate.debits_exported", _("Due debits exported for the bank")
    DISPUTE_OPENED = "dispute.opened", _("Dispute received")
    DISPUTE_TRANSITION = "dispute.transition", _("Dispute extended or answered")
    CONTACT_RECORDED = "contact.recorded", _("Contact recorded")
    SUPPORT_NEED_SAID = "support_need.said", _("Customer said they need extra support")
    SUPPORT_NEED_WITHDRAWN = "support_need.withdrawn", _("Customer withdrew extra support")
    SUPPORT_OFFER_DISMISSED = (
        "support_need.dismissed",
        _("Customer dismissed the extra support offer"),
    )
    SUPPORT_NEED_READ = "support_need.read", _("Extra support details read by staff")
    CONTACT_RULES_OVERRIDDEN = (
        "contact.rules_overridden",
        _("Contact recorded as an exception to the contact rules"),
    )


@dataclass(frozen=True)
class AuditKeys:
    """The keys an action's ``before`` and ``after`` may hold (each row holds these or
    fewer). ``changed_fields``: the row also names, by field name, the fields of the object
    that changed (a program, a consequence rule), so its keys are that model's fields."""

    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    changed_fields: bool = False


def _keys(before: str = "", after: str = "", *, changed_fields: bool = False) -> AuditKeys:
    return AuditKeys(frozenset(before.split()), frozenset(after.split()), changed_fields)


# The terms of a request or an offer, as services.requests.terms_for_audit writes them.
_TERMS = "amount down_payment months grace_months cost_method rate waived_interest waived_penalty"
# What a request's transition may set besides its status (the ``changes`` of each decision):
# the assignee, the decision and its maker, the answer-due clock, and accepted terms.
_REQUEST_CHANGES = (
    "assignee first_approved_by recommendation decided_by decided_at decision_reason_code "
    f"decision_note due_by escalated_at monthly_amount {_TERMS} payment_day first_due_min_days "
    "program kind"
)

# Values are as services.audit.audit_value stores them: amounts as exact strings, dates and
# times in ISO 8601, a person or an object as its primary key; except that "plan",
# "request" and "account" hold that object's public reference, and "user" a username.
_DEBTOR_IMPORTED = "full_name phone email preferred_language timezone external_id"
_ACCOUNT_IMPORTED = (
    "product card_last4 currency credit_limit principal interest fees penalty minimum_due "
    "oldest_unpaid_due_date status"
)
_CONTACT = "contact channel direction outcome party at second_staff agency"
_PREFERENCES = "preferred_language preferred_channel contact_from_hour contact_until_hour"
AUDIT_KEYS: dict[AuditAction, AuditKeys] = {
    # On the request. contact: the record's primary key; party: debtor or third_party;
    # second_staff: the second staff member's primary key (a field visit), or null.
    AuditAction.CONTACT_RECORDED: _keys(after=_CONTACT),
    # rules: the contact rules it breaks (contactrules.Rule); reason: the supervisor's
    AuditAction.CONTACT_RULES_OVERRIDDEN: _keys(after=f"{_CONTACT} rules reason"),
    # each changed field before and after; never the national ID (only its hash is kept)
    AuditAction.DEBTOR_IMPORT_CHANGED: _keys(_DEBTOR_IMPORTED, _DEBTOR_IMPORTED),
    AuditAction.ACCOUNT_IMPORT_CHANGED: _keys(_ACCOUNT_IMPORTED, _ACCOUNT_IMPORTED),
    AuditAction.PROMISE_MADE: _keys(after="account amount promised_by"),
    # the new value of each changed field
    AuditAction.REPAYMENT_CHANNEL_SAVED: _keys(changed_fields=True),
    AuditAction.WORDING_TEMPLATE_SAVED: _keys(changed_fields=True),
    AuditAction.AGENCY_SAVED: _keys(changed_fields=True),
    # On the callback: its slot (ISO 8601), its topic, and the account or request it is
    # about (references, or null); never the number to call.
    AuditAction.CALLBACK_BOOKED: _keys(after="starts_at ends_at topic account request"),
    # handled_by: the staff member's primary key (null before)
    AuditAction.CALLBACK_TAKEN: _keys("handled_by", "handled_by"),
    # contact: the contact record's primary key (the call made), null when cancelled
    AuditAction.CALLBACK_TRANSITION: _keys("status", "status contact"),
    AuditAction.PROMISE_TRANSITION: _keys("status", "status paid"),
    AuditAction.PAYOFF_LETTER_ISSUED: _keys(after="sha256 language settled_on certificate"),
    AuditAction.LETTER_READ: _keys(after="letter"),
    # plan: the plan whose waivers were written off; dispute: the dispute upheld (references)
    # action: "correct_balance" for a correction bank staff made by hand (its reason is
    # the words the debtor reads on the account page)
    AuditAction.ACCOUNT_LEDGER_CORRECTED: _keys(
        "principal interest fees penalty",
        "principal interest fees penalty reason plan dispute action",
    ),
    # account: its reference; account_status: its status before the hold
    AuditAction.DISPUTE_OPENED: _keys(
        after="account kind answer_due account_status documents status"
    ),
    # answer_due: the date before and after an extension; reason: the words the debtor reads
    # (the extension's or the answer); correction: what was taken off each part; account_status:
    # where the answer put the account
    AuditAction.DISPUTE_TRANSITION: _keys(
        "status answer_due", "status answer_due reason correction account_status"
    ),
    # the counts of the run and how many rows were skipped as bad
    AuditAction.IMPORT_FINISHED: _keys(
        after="kind file status rows debtors_created debtors_updated accounts_created "
        "accounts_updated skipped"
    ),
    # On the sign-in (object auth.user; id 0 when the identifier names nobody). identifier:
    # what was typed, masked (auth.masked_identifier); site: "portal" or "staff".
    AuditAction.SIGNED_IN: _keys(after="identifier site"),
    AuditAction.SIGN_IN_FAILED: _keys(after="identifier site"),
    AuditAction.SIGNED_OUT: _keys(after="site"),
    # generation: the sign-in's new session generation (every older session has ended)
    AuditAction.SIGNED_OUT_EVERYWHERE: _keys(after="site generation"),
    # minutes: how long it rests; notified: the debtor's channels told of it
    AuditAction.SIGN_IN_LOCKED: _keys(after="identifier site minutes notified"),
    # The staff's second factor (services.secondfactor), never a code itself. step:
    # "enrolment" (the first code of a new app) or "sign_in"; recovery_codes: how many were
    # given; recovery_codes_left: how many still work; user: whose app was forgotten.
    AuditAction.SECOND_FACTOR_ENROLLED: _keys(after="recovery_codes"),
    AuditAction.SECOND_FACTOR_FAILED: _keys(after="site step"),
    AuditAction.SECOND_FACTOR_RESET: _keys(after="user"),
    AuditAction.RECOVERY_CODE_USED: _keys(after="recovery_codes_left"),
    AuditAction.RECOVERY_CODES_REPLACED: _keys(after="recovery_codes"),
    # debtors: how many the import brought in or changed, to be invited where they can be
    AuditAction.IMPORT_INVITATIONS_REQUESTED: _keys(after="debtors"),
    # the round's counts (as ImportRun.invitation_counts); stopped: it ended before the last
    AuditAction.IMPORT_INVITATIONS_FINISHED: _keys(
        after="debtors done sent already_active already_invited without_mobile stopped"
    ),
    # oldest_unpaid_due_date only when the account is settled (nothing is overdue any more);
    # action: the bank staff's account action that made the move (freeze, unfreeze, close,
    # charge_off: services.accounts.ACCOUNT_ACTIONS), whose reason the debtor reads
    AuditAction.ACCOUNT_TRANSITION: _keys(
        "status oldest_unpaid_due_date", "status reason oldest_unpaid_due_date action"
    ),
    # pauses: the earlier ones, [first_day, last_day] each; plan: its reference or null
    AuditAction.ACCOUNT_AGING_PAUSED: _keys("pauses", "first_day last_day plan"),
    # after: the new last day, or removed (a pause that had not begun)
    AuditAction.ACCOUNT_AGING_PAUSE_ENDED: _keys("first_day last_day", "last_day removed"),
    # user: the username the limit is for
    AuditAction.APPROVAL_LIMIT_CREATED: _keys(after="user max_amount max_months"),
    AuditAction.APPROVAL_LIMIT_CHANGED: _keys(after="user max_amount max_months"),
    # groups: the names of the staff groups the user is in, before and after
    AuditAction.STAFF_USER_CREATED: _keys(after="user groups is_active"),
    AuditAction.STAFF_USER_CHANGED: _keys("groups is_active", "user groups is_active"),
    # each changed field's text; before is empty for a new version
    AuditAction.CONSEQUENCE_RULE_PUBLISHED: _keys(changed_fields=True),
    AuditAction.CONSEQUENCE_RULE_CHANGED: _keys(changed_fields=True),
    # recorded on the debtor; user: the new sign-in's username; invitation: its reference
    AuditAction.DEBTOR_ACTIVATED: _keys(after="user invitation"),
    # On the debtor, from the profile page; never the code or the password. field: phone or
    # email; channel: where the code went (sms or email).
    AuditAction.DEBTOR_CONTACT_CODE_SENT: _keys(after="field channel"),
    # The changed field before and after (phone or email); notified: the channels told of
    # the change (the old number or address, and the portal inbox); user_email: the
    # sign-in's email when it followed the change.
    AuditAction.DEBTOR_CONTACT_CHANGED: _keys("phone email", "phone email notified user_email"),
    # Each changed preference before and after.
    AuditAction.DEBTOR_PREFERENCES_CHANGED: _keys(_PREFERENCES, _PREFERENCES),
    AuditAction.DOCUMENT_UPLOADED: _keys(after="sha256"),
    AuditAction.DOCUMENT_DOWNLOADED: _keys(),
    # On the debtor. purpose: activation or reset; invitation: its reference (activation);
    # until: when the link opens again; failures: how many answers did not match.
    AuditAction.IDENTITY_CHECK_LOCKED: _keys(after="purpose invitation until failures"),
    # On the debtor. channels: where the link goes (email, sms); replaces: the reference of
    # the link it replaces, if any.
    AuditAction.INVITATION_SENT: _keys(after="invitation expires_at channels replaces"),
    # reason: "revoked" (staff ended it) or "replaced" (a new link was sent)
    AuditAction.INVITATION_REVOKED: _keys("state", "invitation reason"),
    # recorded on the account; notice: the notice's primary key; reason: why it was sent
    # (the staff's words, for the trail; the debtor reads the notice's own text)
    AuditAction.NOTICE_RECORDED: _keys(after="notice channel sent_at delivered_at reason"),
    AuditAction.NOTICE_UPDATED: _keys(after="notice channel sent_at delivered_at"),
    AuditAction.NOTIFICATION_SENT_AGAIN: _keys("status attempts", "status scheduled_for"),
    # program: the program the offer's terms are under (a counter-offer may change it)
    AuditAction.OFFER_MADE: _keys(after=f"{_TERMS} expires_at message program"),
    # request: its reference; kind: the debtor's ask or a counter-offer
    AuditAction.OFFER_SETTLED: _keys("status", "status request kind"),
    # On the debtor. channel: where the link went (email or sms).
    AuditAction.PASSWORD_RESET_SENT: _keys(after="channel"),
    # On the debtor. notified: the channels told of the change.
    AuditAction.PASSWORD_RESET: _keys(after="user notified"),
    # account: its reference
    AuditAction.PAYMENT_RECORDED: _keys(after="account amount paid_on"),
    # Paying online (services.intents), on the intent. account, plan: references (plan may
    # be null); provider: its name in PAYMENT_PROVIDERS.
    AuditAction.PAYMENT_INTENT_STARTED: _keys(
        after="account plan amount currency provider expires_at"
    ),
    # reason: what moved it ("provider" for the provider's word, "expired", "unreachable");
    # payment: the recorded payment's external id on a success
    AuditAction.PAYMENT_INTENT_TRANSITION: _keys("status", "status reason payment"),
    # One verified notification, applied or not. event: the provider's event id; kind:
    # succeeded or failed; amount, currency: as the provider said; outcome: applied, ignored
    # (the outcome was already known) or held (it does not match: problem says why);
    # status: the intent's status after it.
    AuditAction.PAYMENT_EVENT_RECEIVED: _keys(
        after="event kind amount currency outcome problem status"
    ),
    AuditAction.PLAN_CREATED: _keys(after="status total_repayable"),
    AuditAction.PLAN_TRANSITION: _keys("status", "status"),
    # sha256 of the stored PDF, in the language the debtor signed in; version: a changed
    # plan's version (2, 3...: services.planchanges), absent for the first agreement
    AuditAction.PLAN_AGREEMENT_STORED: _keys(after="sha256 language certificate version"),
    AuditAction.PLAN_AGREEMENT_READ: _keys(after="version"),
    AuditAction.PLAN_SIGNING_CODE_SENT: _keys(after="sent_to sha256"),
    AuditAction.PLAN_SIGNING_CODE_WRONG: _keys(after="attempts"),
    # On the plan (services.planchanges). version: the new version's number; kind:
    # payment_day or move_to_end; the days, or the number and dates of the payment moved;
    # the fee and the new version's total and annual rate; until when it may be signed.
    AuditAction.PLAN_CHANGE_PROPOSED: _keys(
        after="version kind old_payment_day new_payment_day moved_number moved_from moved_to "
        "fee total_repayable annual_rate expires_at"
    ),
    # reason: why it ended unsigned (given up, expired, the plan moved on); sha256: of the
    # amended text signed; mandates: on signing, each mandate whose dates followed the new
    # schedule (services.mandates.follow_new_dates: its pk, first_debit_on, last_debit_on)
    AuditAction.PLAN_CHANGE_TRANSITION: _keys("status", "status version reason sha256 mandates"),
    # change_request: the request's primary key; never the debtor's words themselves
    AuditAction.PLAN_CHANGE_ASKED: _keys(after="change_request due_by"),
    AuditAction.PLAN_CHANGE_ANSWERED: _keys("status", "status change_request"),
    # the new value of each changed field
    AuditAction.PROGRAM_CREATED: _keys(changed_fields=True),
    AuditAction.PROGRAM_CHANGED: _keys(changed_fields=True),
    AuditAction.REQUEST_SUBMITTED: _keys(after=f"status {_TERMS}"),
    AuditAction.REQUEST_TRANSITION: _keys("status version", f"status version {_REQUEST_CHANGES}"),
    AuditAction.REQUEST_ASSIGNED: _keys("assignee", "assignee"),
    # due_by: the answer-due time that passed; assignee: who held the request then
    AuditAction.REQUEST_ESCALATED: _keys(after="due_by assignee"),
    # The retention job (services.retention), on the document or the request it purged; never
    # what was removed, only which fields. rule: the setting applied (RETENTION_DOCUMENT_DAYS
    # or RETENTION_REQUEST_DAYS); days: its value that night; closed_at: when the request
    # closed or its plan ended; request: a document's request; removed: the fields emptied
    # ("messages": the bodies of the request's messages); messages: how many were emptied.
    # On a support need (RETENTION_SUPPORT_NEED_DAYS): status before and after, the fields
    # emptied ("consent": its version and moment).
    AuditAction.RETENTION_PURGED: _keys(
        "status", "rule days closed_at request removed messages status"
    ),
    # Automatic repayment (services.mandates): never the debit account's number nor the
    # holder's name, only the last 4 digits. plan: its reference; version: the consent text's.
    AuditAction.MANDATE_SET_UP: _keys(after="plan bank_name account_last4 first_debit_on version"),
    # last_debit_on: a cancellation too late for the next debit, that debit's date (or null)
    AuditAction.MANDATE_TRANSITION: _keys("status", "status last_debit_on"),
    # The day's file: how many lines, their total, its name and SHA-256; never a line.
    # replaced: the SHA-256 of the file it replaced for the same day (null for the first).
    # Extra support (services.support), on the support need; never what it says (which
    # drivers, the note): only its status, the consent's version (empty: no consent), how
    # many drivers apply. reason: why it ended ("debtor"). The read: who read it is the actor.
    AuditAction.SUPPORT_NEED_SAID: _keys("status", "status consent_version drivers"),
    AuditAction.SUPPORT_NEED_WITHDRAWN: _keys("status", "status reason"),
    AuditAction.SUPPORT_OFFER_DISMISSED: _keys(after="status"),
    AuditAction.SUPPORT_NEED_READ: _keys(after="status"),
    AuditAction.DIRECT_DEBITS_EXPORTED: _keys(after="debit_date lines total file sha256 replaced"),
}


class ActorRole(models.TextChoices):
    """What the actor was when they acted (services.audit.actor_role)."""

    ADMINISTRATOR = "administrator", _("Administrator")
    STAFF = "staff", _("Staff")
    DEBTOR = "debtor", _("Debtor")
    SYSTEM = "", _("The system")


class AuditEvent(models.Model):
    """Append-only record of every decision and sensitive read. Never updated or deleted:
    on PostgreSQL a trigger refuses both (migration 0036), whoever asks.

    ``actor`` is the person; ``actor_label`` names non-persons ("system", "policy") and keeps
    the username readable even if the user is later deactivated.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(max_length=150, verbose_name=_("actor label"))
    # What the actor was when they acted (services.audit.actor_role): administrator, staff,
    # debtor, or empty for the system.
    actor_role = models.CharField(
        max_length=16, blank=True, choices=ActorRole.choices, verbose_name=_("actor's role")
    )
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, verbose_name=_("object type"))
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    object_reference = models.CharField(
        max_length=32, blank=True, verbose_name=_("object reference")
    )
    before = models.JSONField(default=dict, blank=True, verbose_name=_("before"))
    after = models.JSONField(default=dict, blank=True, verbose_name=_("after"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("IP address"))
    # The web request it was recorded in (negotiation.requestid), empty in a worker or job.
    request_id = models.CharField(max_length=64, blank=True, verbose_name=_("request id"))
    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("at"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        permissions = [("read_audit_trail", "Can read the audit trail")]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_reference}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")
