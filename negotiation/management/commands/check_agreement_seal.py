"""Whether signed agreements still carry the bank's seal, unchanged:

    manage.py check_agreement_seal PL-XXXX-XXXX ...      # stored agreements, by plan
    manage.py check_agreement_seal --file agreement.pdf  # any copy, e.g. one a debtor sent
    manage.py check_agreement_seal --file a.pdf --certificate old-seal.pem

Exits 1 if any is not sealed, was changed after sealing, or was sealed by another key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from negotiation.models import RepaymentPlan
from negotiation.seal import SealCheck, check_seal, seal_key
from negotiation.services.agreements import check_agreement_seal


class Command(BaseCommand):
    help = "Check the bank's seal on stored signed agreements or on PDF files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("plans", nargs="*", help="plan references")
        parser.add_argument("--file", type=Path, action="append", default=[])
        parser.add_argument("--certificate", type=Path, help="PEM; default: the seal in use")

    def handle(self, *args: Any, **options: Any) -> None:
        results: list[tuple[str, SealCheck]] = []
        for reference in options["plans"]:
            plan = RepaymentPlan.objects.filter(reference=reference).first()
            if plan is None or not plan.agreement_pdf:
                raise CommandError(f"{reference}: no stored signed agreement")
            results.append((reference, check_agreement_seal(plan)))
        certificate = (
            options["certificate"].read_bytes()
            if options["certificate"]
            else seal_key().certificate_pem
        )
        for path in options["file"]:
            results.append((str(path), check_seal(path.read_bytes(), certificate_pem=certificate)))
        for name, found in results:
            self.stdout.write(f"{name}: {describe(found)}")
        if not results:
            raise CommandError("name plan references or --file PDFs to check")
        if not all(found.valid for _name, found in results):
            raise CommandError("at least one agreement failed the check")


def describe(found: SealCheck) -> str:
    if not found.sealed:
        return "NOT SEALED"
    if not (found.intact and found.whole_file):
        return "CHANGED after it was sealed"
    if not found.trusted:
        return "sealed by another key"
    return f"sealed and unchanged (certificate {found.fingerprint[:16]}…, at {found.sealed_at})"
