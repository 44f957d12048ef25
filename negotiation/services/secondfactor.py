"""The staff's second factor (django-otp): an authenticator app that shows a new six-digit
code every 30 seconds (TOTP), enrolled at a staff member's first sign-in, and ten recovery
codes that work once each for a lost phone. Every code that did not work, every enrolment,
every recovery code used and every reset is audited (never the code itself)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.exceptions import ServiceError
from negotiation.models import AuditAction, User
from negotiation.services.audit import record_event, record_sign_in_event

APP_DEVICE = "Authenticator app"
RECOVERY_DEVICE = "Recovery codes"


class CodesResting(ServiceError):
    default_message = _(
        "Too many codes did not work. Wait a few seconds, then type the newest code."
    )


class NotStaffSignIn(ServiceError):
    default_message = _("Only a staff member's sign-in has a second factor.")


@dataclass(frozen=True)
class Verified:
    """A code that worked: the device it belongs to, and, for a recovery code, how many
    recovery codes are left."""

    device: Device
    recovery_codes_left: int | None = None


def is_enrolled(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def enrolment_device(user: User) -> TOTPDevice:
    """The app the staff member is setting up: the one not yet confirmed, or a new one
    (with a new secret). Only for a staff member who has none confirmed."""
    if not user.is_staff:
        raise NotStaffSignIn
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)
    return device


def confirm_enrolment(user: User, code: str, *, ip: str | None) -> list[str] | None:
    """The first code from the app being set up: when it works, the app is the staff
    member's second factor and they get new recovery codes (returned, to be shown once).
    None when the code did not work (audited)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None or not _allowed(device):
            raise CodesResting
        if not device.verify_token(_typed_code(code)):
            _record_failure(user, ip=ip, step="enrolment")
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
        record_event(
            user,
            actor=user,
            action=AuditAction.SECOND_FACTOR_ENROLLED,
            after={"recovery_codes": len(codes)},
            ip=ip,
        )
    return codes


def verify_code(user: User, code: str, *, ip: str | None) -> Verified | None:
    """A code typed at sign-in: the app's current code, or one recovery code (used up).
    None when it matched neither (audited); ``CodesResting`` while the last wrong codes make
    the next try wait (django-otp's throttling: 1 s, 2 s, 4 s ... after each)."""
    typed = _typed_code(code)
    # Six digits are the app's code; anything else can only be a recovery code. Each kind
    # rests on its own after wrong tries (django-otp's throttling).
    is_app_code = typed.isdigit()
    with transaction.atomic():
        device: TOTPDevice | StaticDevice | None = (
            (
                TOTPDevice.objects.filter(user=user, confirmed=True)
                if is_app_code
                else StaticDevice.objects.filter(user=user)
            )
            .select_for_update()
            .first()
        )
        if device is None:
            _record_failure(user, ip=ip, step="sign_in")
            return None
        if not _allowed(device):
            raise CodesResting
        if not device.verify_token(typed):
            _record_failure(user, ip=ip, step="sign_in")
            return None
        if is_app_code:
            return Verified(device)
        left = device.token_set.count()
        record_event(
            user,
            actor=user,
            action=AuditAction.RECOVERY_CODE_USED,
            after={"recovery_codes_left": left},
            ip=ip,
        )
    return Verified(device, recovery_codes_left=left)


def new_recovery_codes(user: User, *, ip: str | None) -> list[str]:
    """Replace a signed-in staff member's recovery codes (the old ones stop working)."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record_event(
            user,
            actor=user,
            action=AuditAction.RECOVERY_CODES_REPLACED,
            after={"recovery_codes": len(codes)},
            ip=ip,
        )
    return codes


def reset_second_factor(user: User, *, actor: User, ip: str | None = None) -> int:
    """Forget a staff member's app and recovery codes (a lost phone, told to an
    administrator in person): at their next sign-in they set up an app again. Audited."""
    with transaction.atomic():
        removed = int(TOTPDevice.objects.filter(user=user).delete()[0])
        removed += int(StaticDevice.objects.filter(user=user).delete()[0])
        record_event(
            user,
            actor=actor,
            action=AuditAction.SECOND_FACTOR_RESET,
            after={"user": user.get_username()},
            ip=ip,
        )
    return removed


def _new_recovery_codes(user: User) -> list[str]:
    # The audit row stays with each caller: every action is recorded where it is named.
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _each in range(settings.STAFF_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _allowed(device: TOTPDevice | StaticDevice) -> bool:
    allowed, _reason = device.verify_is_allowed()
    return bool(allowed)


def _typed_code(code: str) -> str:
    """What was typed, without the spaces and dashes an app or a printout puts in, and
    with full-width digits (a Chinese keyboard) read as digits."""
    folded = code.translate({0xFF10 + n: str(n) for n in range(10)})
    return "".join(folded.split()).replace("-", "").lower()[:16]


def _record_failure(user: User, *, ip: str | None, step: str) -> None:
    record_sign_in_event(
        user,
        action=AuditAction.SECOND_FACTOR_FAILED,
        after={"site": "staff", "step": step},
        ip=ip,
        by_the_user=False,
    )
