"""Errors that services raise. Messages are translatable: views show them to the user."""

import datetime as dt
import math

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from negotiation.money import LEGAL_MAX_MONTHS


class ServiceError(Exception):
    default_message = _("This action could not be completed.")

    def __init__(self, message: object = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class TransitionNotAllowed(ServiceError):
    default_message = _("This step is not possible in the request's current state.")


class ActionNotPermitted(ServiceError):
    default_message = _("You do not have the right to take this action.")


class HeldByColleague(ActionNotPermitted):
    default_message = _(
        "This request is with a colleague, so only they or a supervisor can decide it. Ask "
        "a supervisor to hand it to you if you need to."
    )


class HeldByDispute(ServiceError):
    """No relief decision on an account on hold while its dispute is looked into."""

    def __init__(self, dispute_reference: str) -> None:
        super().__init__(
            _(
                "On hold: dispute %(ref)s is open on this account. No decision on relief is "
                "taken until the dispute is answered."
            )
            % {"ref": dispute_reference}
        )
        self.dispute_reference = dispute_reference


class StaleObject(ServiceError):
    default_message = _(
        "This request changed while you were looking at it. Please review the latest version "
        "and try again."
    )


class OpenRequestExists(ServiceError):
    default_message = _(
        "You already have a request in progress for this account. You can follow it, or "
        "withdraw it before making a new one."
    )


class ProgramNotAvailable(ServiceError):
    default_message = _("This option is not available for this account.")


class TermsOutOfBounds(ServiceError):
    """The terms break one or more bounds; ``errors`` maps each field to its message."""

    default_message = _("Some of the terms are outside what this option allows.")

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__()
        self.errors = errors


class BalanceChanged(ServiceError):
    default_message = _(
        "The account's balance has changed since this request was made, so its terms no "
        "longer match what the debtor owes. Make a counter-offer with the new balance, or "
        "ask the debtor to send a new request."
    )


class BeyondLegalCap(ServiceError):
    """The plan would last longer than the law allows (商业银行信用卡业务监督管理办法 Art. 70:
    five years). No approval, exception to policy or supervisor can waive it."""

    default_message = format_lazy(
        _(
            "Agreed today, these terms would end more than {months} months after the "
            "agreement, which the law does not allow. They need fewer payments or fewer "
            "payment-free months."
        ),
        months=LEGAL_MAX_MONTHS,
    )


class AboveRateCeiling(ServiceError):
    """The plan's annual rate by IRR would exceed DISCLOSED_ANNUAL_RATE_CEILING."""

    default_message = _(
        "Agreed today, these terms would cost more than the highest annual rate the bank may "
        "charge. Make a counter-offer with another number of payments."
    )


class SameApprover(ServiceError):
    default_message = _(
        "You recommended this approval, so the second approval must come from someone else."
    )


class BeyondApprovalLimit(ServiceError):
    default_message = _(
        "These terms are beyond your approval limit or the program's bounds. Ask a "
        "supervisor to make this counter-offer."
    )


class OutsideAutoApproveEnvelope(ServiceError):
    """Bulk approval takes only what the program's auto-approve envelope would approve."""

    default_message = _(
        "Not within the limits for approval without review (the program's auto-approve "
        "amount and term, and payments that fit the debtor's budget). Review it on its "
        "own page."
    )


class NotApprovableInBulk(ServiceError):
    default_message = _(
        "Only a request waiting for review can be approved in bulk: this one is not, or "
        "it waits for a second approval, which is given on its own page."
    )


class OfferNoLongerOpen(ServiceError):
    default_message = _(
        "This offer is no longer open. Please look at your request's page for where it stands."
    )


class DocumentRefused(ServiceError):
    default_message = _("This file could not be accepted.")


class AlreadyAssigned(ServiceError):
    default_message = _(
        "A colleague is working on this request. Ask a supervisor to reassign it if needed."
    )


# Onboarding: invitations, the identity check, one-time codes. Their words are the
# debtor's: calm, and never saying which answer did not match.


class LinkNotUsable(ServiceError):
    """An invitation or reset link that is unknown, changed, used, revoked or expired: one
    message for all, so the page confirms nothing about a link it does not honour."""

    default_message = _(
        "This link cannot be used any more. Links work once, for a limited time, and stop "
        "when a newer one is sent."
    )


class IdentityNotConfirmed(ServiceError):
    default_message = _(
        "These details do not match what we have. Please check them and try again. If they "
        "still do not match, call us on the number on the back of your card."
    )


class IdentityCheckPaused(ServiceError):
    """Too many answers that did not match: the link rests until ``until``."""

    default_message = _(
        "For your safety, this link is resting after several tries that did not match. You "
        "can try again a little later, or call us on the number on the back of your card."
    )

    def __init__(self, until: dt.datetime) -> None:
        super().__init__()
        self.until = until


class NoMobileNumber(ServiceError):
    default_message = _(
        "We need a mobile number to send you a code, and we have none for you. Please call "
        "us on the number on the back of your card."
    )


class CodeNotSentYet(ServiceError):
    """A new code was asked for too soon after the last one, or too many in an hour."""

    default_message = _(
        "A code was sent very recently. Please wait a minute for it to arrive before asking "
        "for a new one."
    )


class CodeNotSent(ServiceError):
    default_message = _("We could not send the code just now. Please try again in a few minutes.")


class WrongCode(ServiceError):
    default_message = _("That code is not the one we sent. Please check it and try again.")


class CodeNoLongerValid(ServiceError):
    """Expired, used, replaced by a newer one, or out of tries: a new code is needed."""

    default_message = _(
        "This code can no longer be used. Please ask for a new one: we will send it to the "
        "same mobile number."
    )


class AlreadyActivated(ServiceError):
    default_message = _("This debtor has already set up their sign-in.")


class WrongPassword(ServiceError):
    default_message = _(
        "That is not the password of your sign-in. Nothing has been changed. Please try again."
    )


class PasswordTriesPaused(ServiceError):
    """Too many passwords that did not match on the profile: changes rest until ``until``."""

    def __init__(self, until: dt.datetime, *, now: dt.datetime) -> None:
        minutes = max(math.ceil((until - now).total_seconds() / 60), 1)
        super().__init__(
            ngettext(
                "For your safety, changes to your details are paused after several passwords "
                "that did not match. Nothing has been changed. You can try again in %(minutes)d "
                "minute, or call us on the number on the back of your card.",
                "For your safety, changes to your details are paused after several passwords "
                "that did not match. Nothing has been changed. You can try again in %(minutes)d "
                "minutes, or call us on the number on the back of your card.",
                minutes,
            )
            % {"minutes": minutes}
        )
        self.until = until


class SigningPaused(PasswordTriesPaused):
    """Too many passwords that did not match before signing: signing rests until ``until``."""

    def __init__(self, until: dt.datetime, *, now: dt.datetime) -> None:
        minutes = max(math.ceil((until - now).total_seconds() / 60), 1)
        ServiceError.__init__(
            self,
            ngettext(
                "For your safety, signing is paused after several passwords that did not "
                "match. Your plan is not signed yet and is kept for you. You can try again in "
                "%(minutes)d minute, or call us on the number on the back of your card.",
                "For your safety, signing is paused after several passwords that did not "
                "match. Your plan is not signed yet and is kept for you. You can try again in "
                "%(minutes)d minutes, or call us on the number on the back of your card.",
                minutes,
            )
            % {"minutes": minutes},
        )
        self.until = until


class MandatePaused(PasswordTriesPaused):
    """Too many passwords that did not match before setting up automatic repayment: it
    rests until ``until``."""

    def __init__(self, until: dt.datetime, *, now: dt.datetime) -> None:
        minutes = max(math.ceil((until - now).total_seconds() / 60), 1)
        ServiceError.__init__(
            self,
            ngettext(
                "For your safety, setting up automatic repayment is paused after several "
                "passwords that did not match. Nothing has been set up. You can try again in "
                "%(minutes)d minute, or call us on the number on the back of your card.",
                "For your safety, setting up automatic repayment is paused after several "
                "passwords that did not match. Nothing has been set up. You can try again in "
                "%(minutes)d minutes, or call us on the number on the back of your card.",
                minutes,
            )
            % {"minutes": minutes},
        )
        self.until = until


class ContactUnchanged(ServiceError):
    default_message = _("This is already the number or address we have for you.")


class NotSettledYet(ServiceError):
    default_message = _(
        "The payoff letter is issued once the account is paid in full. Until then the "
        "statement of account shows what is left to pay."
    )


class ContactRuleBroken(ServiceError):
    """A contact that breaks one or more contact rules (contactrules.Rule), each named in
    the message; ``overridable``: a supervisor may record it with a reason; ``by_actor``:
    the one who tried is such a supervisor."""

    def __init__(
        self, rules: list[str], explanations: list[str], *, overridable: bool, by_actor: bool
    ) -> None:
        if overridable and by_actor:
            ending = _("To record it as an exception, give the reason for it.")
        elif overridable:
            ending = _("A supervisor may record it as an exception by giving the reason for it.")
        else:
            ending = _("Please correct the record: this rule allows no exception.")
        super().__init__(
            _("Not recorded. %(rules)s %(ending)s")
            % {"rules": " ".join(explanations), "ending": ending}
        )
        self.rules = rules
        self.overridable = overridable


class NotAPhoneNumber(ServiceError):
    default_message = _("The number called is not a phone number: please check it.")


class NoSecondStaff(ServiceError):
    default_message = _(
        "The second staff member must be another colleague, active on the staff site."
    )


class NoSupportDriver(ServiceError):
    default_message = _("Please choose at least one of the things that make money matters harder.")


class ConsentNeeded(ServiceError):
    """Health, or a note, without the separate consent (PIPL Art. 29)."""

    default_message = _(
        "To keep what you tell us about your health, or your note, please tick the consent "
        "box. Without it, untick health and leave the note empty: the rest still helps."
    )
