"""A staff member's second factor in tests, with django-otp's own pieces: the device
model, its TOTP arithmetic (django_otp.oath.TOTP, what the device verifies with) and the
session key its middleware reads."""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.models import User
from negotiation.services.secondfactor import APP_DEVICE


def confirmed_app(user: User) -> TOTPDevice:
    """The staff member's authenticator app, set up."""
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=True, defaults={"name": APP_DEVICE}
    )
    return device


def app_code(device: TOTPDevice) -> str:
    """The code the app would show: now's, or the next step's when now's was used already
    (a code works once; the device accepts one step ahead)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = max(totp.t(), device.last_t + 1)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def verified(client: Client, user: User) -> Client:
    """``client`` signed in as ``user`` with their app's code confirmed, as after both steps."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_app(user).persistent_id
    session.save()
    return client
