"""The bank's seal on the stored signed agreement (pyHanko): the stored PDF carries a seal by
the configured key over the whole file; the debtor's and staff's downloads are that file;
changing one byte anywhere, adding bytes, or a seal by another key fails the check; the
command checks stored agreements and any file; production refuses a generated or missing
key (negotiation.E009)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from pyhanko.sign import signers

from negotiation import seal
from negotiation.apps import check_agreement_seal_key
from negotiation.models import AuditAction, AuditEvent
from negotiation.roles import SPECIALISTS
from negotiation.services.agreements import (
    check_agreement_seal,
    render_agreement_pdf,
    signed_agreement_pdf,
)
from tests.conftest import staff_client
from tests.factories import make_staff
from tests.services import test_agreement_pdf as agreement

pytestmark = pytest.mark.django_db
plan = agreement.plan  # an approved plan awaiting the signature
sign = agreement.sign


def certificate() -> bytes:
    return seal.seal_key().certificate_pem


def flipped(content: bytes, at: int) -> bytes:
    changed = bytearray(content)
    changed[at] ^= 0x01
    return bytes(changed)


def signed_byte(content: bytes, share: float) -> int:
    """A byte the seal covers, ``share`` of the way through them: everything but the
    signature's own hex string (its zero padding is, by the PDF standard, signed by nobody,
    so flipping a padding byte changes no content)."""
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", content)
    assert found, "no ByteRange"
    first, first_length, second, second_length = (int(n) for n in found.groups())
    covered = [*range(first, first + first_length), *range(second, second + second_length)]
    position: int = covered[int((len(covered) - 1) * share)]
    return position


def test_the_stored_agreement_is_sealed_over_the_whole_file(plan):
    signed = sign(plan)
    content = signed_agreement_pdf(signed.pk, actor=None)
    found = seal.check_seal(content, certificate_pem=certificate())
    assert found.valid
    assert (found.sealed, found.intact, found.whole_file, found.trusted) == (True,) * 4
    signed.refresh_from_db()
    assert signed.agreement_seal_certificate == seal.seal_key().fingerprint == found.fingerprint
    stored = AuditEvent.objects.get(action=AuditAction.PLAN_AGREEMENT_STORED)
    assert stored.after["certificate"] == found.fingerprint
    assert check_agreement_seal(signed).valid


@pytest.mark.parametrize("where", [0.02, 0.25, 0.5, 0.75, 0.999])
def test_one_byte_changed_anywhere_fails_the_check(plan, where):
    content = signed_agreement_pdf(sign(plan).pk, actor=None)
    tampered = flipped(content, signed_byte(content, where))
    assert not seal.check_seal(tampered, certificate_pem=certificate()).valid


def test_a_stored_file_changed_on_disk_fails_the_check(plan):
    signed = sign(plan)
    content = signed_agreement_pdf(signed.pk, actor=None)
    signed.refresh_from_db()
    path = Path(signed.agreement_pdf.path)
    path.write_bytes(flipped(content, len(content) // 2))
    assert not check_agreement_seal(signed).valid
    with pytest.raises(CommandError, match="failed the check"):
        call_command("check_agreement_seal", signed.reference)
    page = staff_client(make_staff(SPECIALISTS)).get(
        reverse("admin:negotiation_repaymentplan_change", args=[signed.pk])
    )
    assert "does not match its seal" in page.content.decode()


def test_bytes_added_after_the_seal_fail_the_check(plan):
    content = signed_agreement_pdf(sign(plan).pk, actor=None)
    found = seal.check_seal(content + b"\n% added later\n", certificate_pem=certificate())
    assert found.sealed
    assert not found.whole_file
    assert not found.valid


def test_a_seal_by_another_key_is_not_the_bank_s(plan, tmp_path):
    content = render_agreement_pdf(sign(plan), language="en")
    key_path, certificate_path = seal.make_seal_key(tmp_path, name="Someone Else")
    other = seal.SealKey(
        signers.SimpleSigner.load(str(key_path), str(certificate_path)),
        certificate_path.read_bytes(),
        seal.fingerprint_of(certificate_path.read_bytes()),
    )
    forged = seal.seal_pdf(content, key=other, reason="forged")
    assert seal.check_seal(forged, certificate_pem=certificate_path.read_bytes()).valid
    found = seal.check_seal(forged, certificate_pem=certificate())
    assert (found.sealed, found.intact, found.trusted) == (True, True, False)


def test_an_unsealed_draft_or_not_a_pdf_is_not_sealed(plan):
    assert not seal.check_seal(
        render_agreement_pdf(plan, language="en"), certificate_pem=certificate()
    ).sealed
    assert not seal.check_seal(b"not a pdf at all", certificate_pem=certificate()).sealed


def test_the_debtor_and_staff_download_the_sealed_file(plan, debtor_client):
    signed = sign(plan)
    mine = debtor_client.get(reverse("negotiation:plan_agreement_pdf", args=[signed.reference]))
    staff = staff_client(make_staff(SPECIALISTS)).get(
        reverse("admin:negotiation_repaymentplan_agreement", args=[signed.pk])
    )
    assert mine.content == staff.content
    page = staff_client(make_staff(SPECIALISTS)).get(
        reverse("admin:negotiation_repaymentplan_change", args=[signed.pk])
    )
    assert "Sealed and unchanged since" in page.content.decode()
    assert seal.check_seal(mine.content, certificate_pem=certificate()).valid
    assert "one-time code sent by text message" in agreement.pdf_text(mine.content)


def test_the_command_checks_stored_agreements_and_files(plan, tmp_path, capsys):
    signed = sign(plan)
    content = signed_agreement_pdf(signed.pk, actor=None)
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(content)
    bad.write_bytes(flipped(content, len(content) // 3))
    call_command("check_agreement_seal", signed.reference, "--file", str(good))
    assert capsys.readouterr().out.count("sealed and unchanged") == 2
    with pytest.raises(CommandError):
        call_command("check_agreement_seal", "--file", str(bad))
    assert "CHANGED after it was sealed" in capsys.readouterr().out


def test_production_refuses_a_generated_or_missing_seal(settings, tmp_path):
    settings.DEBUG = False
    settings.AGREEMENT_SEAL_GENERATE = True
    assert [e.id for e in check_agreement_seal_key(None)] == ["negotiation.E009"]
    settings.AGREEMENT_SEAL_GENERATE = False
    settings.AGREEMENT_SEAL_KEY = settings.AGREEMENT_SEAL_CERTIFICATE = ""
    assert [e.id for e in check_agreement_seal_key(None)] == ["negotiation.E009"]
    settings.AGREEMENT_SEAL_KEY = str(tmp_path / "missing.pem")
    settings.AGREEMENT_SEAL_CERTIFICATE = str(tmp_path / "missing-cert.pem")
    assert [e.id for e in check_agreement_seal_key(None)] == ["negotiation.E009"]
    key_path, certificate_path = seal.make_seal_key(tmp_path, name="Bank")
    settings.AGREEMENT_SEAL_KEY, settings.AGREEMENT_SEAL_CERTIFICATE = (
        str(key_path),
        str(certificate_path),
    )
    assert check_agreement_seal_key(None) == []


def test_sealing_works_inside_a_running_event_loop(plan):
    """An async caller (a Playwright-driven test, an ASGI server) has an event loop running
    in its thread, where pyHanko's synchronous call cannot start its own."""
    import asyncio

    content = render_agreement_pdf(sign(plan), language="en")

    async def seal_it() -> bytes:
        return seal.seal_pdf(content, key=seal.seal_key(), reason="inside a loop")

    sealed = asyncio.run(seal_it())
    assert seal.check_seal(sealed, certificate_pem=certificate()).valid
