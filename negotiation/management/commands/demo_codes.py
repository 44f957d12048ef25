"""The current sign-in codes of the demo staff, for a newcomer without an authenticator app:

    manage.py demo_codes    # or: make codes

Refused unless DEBUG is on, and only for the demo staff whose app seed_demo set up with its
demo key: a real staff member's code is on their phone alone."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation.management.commands.seed_demo import STAFF, demo_totp_key


class Command(BaseCommand):
    help = "Print the demo staff's current sign-in codes (demo only: DEBUG)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("demo_codes is for the demo only (DEBUG).")
        for username, *_rest in STAFF:
            key = demo_totp_key(username)
            device = TOTPDevice.objects.filter(
                user__username=username, confirmed=True, key=key
            ).first()
            if device is None:
                self.stdout.write(f"  {username}: no demo app (run seed_demo)")
                continue
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            totp.time = time.time()
            left = device.step - int(totp.time - device.t0) % device.step
            self.stdout.write(
                f"  {username}: {totp.token():0{device.digits}d}  (for {left} more seconds)"
            )
