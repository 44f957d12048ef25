"""A new self-signed seal key and certificate, for a test or staging environment:

    manage.py make_seal_key /run/secrets/seal --name "Example Bank"

then AGREEMENT_SEAL_KEY and AGREEMENT_SEAL_CERTIFICATE name the two files it prints. The
bank's production seal is issued by its own CA instead (docs/OPERATIONS.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from negotiation.seal import fingerprint_of, make_seal_key


class Command(BaseCommand):
    help = "Write a new self-signed agreement seal (key and certificate) to a directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--name", default="Test Bank", help="the organisation named")

    def handle(self, *args: Any, **options: Any) -> None:
        key, certificate = make_seal_key(options["directory"], name=options["name"])
        self.stdout.write(f"AGREEMENT_SEAL_KEY={key}")
        self.stdout.write(f"AGREEMENT_SEAL_CERTIFICATE={certificate}")
        self.stdout.write(f"certificate SHA-256: {fingerprint_of(certificate.read_bytes())}")
