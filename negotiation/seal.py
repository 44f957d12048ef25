"""The bank's seal on a signed agreement (pyHanko): a PDF signature by the bank's key over
the whole stored file, so anyone holding the PDF and the bank's certificate can check that
nothing in it, not one byte, has changed since it was sealed (Electronic Signature Law
Art. 13: any later change to the signed content is detectable).

The key and its certificate are files named by AGREEMENT_SEAL_KEY and
AGREEMENT_SEAL_CERTIFICATE (PEM; the key's passphrase, if any, in
AGREEMENT_SEAL_KEY_PASSPHRASE): in production the bank's own, issued by its CA and kept
out of the code. With AGREEMENT_SEAL_GENERATE (the demo and the tests) a self-signed pair
is made on first use in the private media folder; ``check --deploy`` refuses that, and a
missing or unreadable key (negotiation.E009).

pyHanko is the maintained PAdES library for Python; a hand-made signature dictionary would
be easy to get subtly wrong (byte ranges, the CMS structure) and no reader would trust it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import io
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

logger = logging.getLogger(__name__)

FIELD_NAME = "BankSeal"
DEMO_KEY = "demo-seal-key.pem"
DEMO_CERTIFICATE = "demo-seal-certificate.pem"


@dataclass(frozen=True)
class SealKey:
    signer: signers.SimpleSigner
    certificate_pem: bytes
    fingerprint: str  # SHA-256 of the certificate (DER), as stored on the plan


@dataclass(frozen=True)
class SealCheck:
    """What a check of a sealed PDF found. ``valid`` only when the seal is there, the file
    is exactly what was sealed (nothing added, nothing changed), and the certificate is the
    one expected."""

    sealed: bool
    intact: bool
    whole_file: bool
    trusted: bool
    fingerprint: str = ""
    sealed_at: dt.datetime | None = None

    @property
    def valid(self) -> bool:
        return self.sealed and self.intact and self.whole_file and self.trusted


def fingerprint_of(certificate_pem: bytes) -> str:
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def make_seal_key(directory: Path, *, name: str, days: int = 3650) -> tuple[Path, Path]:
    """A new RSA key and a self-signed certificate for it, written to ``directory`` as
    (key, certificate) PEM files: for the demo, the tests and a test environment. A bank's
    production seal is issued by its CA instead."""
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} agreement seal"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_path, certificate_path = directory / DEMO_KEY, directory / DEMO_CERTIFICATE
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, certificate_path


def seal_paths() -> tuple[Path, Path]:
    """The key and certificate files in use: the configured ones, or (when
    AGREEMENT_SEAL_GENERATE) the demo pair, made on first use."""
    if settings.AGREEMENT_SEAL_KEY and settings.AGREEMENT_SEAL_CERTIFICATE:
        return Path(settings.AGREEMENT_SEAL_KEY), Path(settings.AGREEMENT_SEAL_CERTIFICATE)
    if not settings.AGREEMENT_SEAL_GENERATE:
        raise SealNotConfigured
    directory = Path(settings.PRIVATE_MEDIA_ROOT) / "seal"
    key_path, certificate_path = directory / DEMO_KEY, directory / DEMO_CERTIFICATE
    if not (key_path.exists() and certificate_path.exists()):
        logger.info("generating the demo agreement seal in %s", directory)
        make_seal_key(directory, name="Demo Bank (test only)")
    return key_path, certificate_path


class SealNotConfigured(RuntimeError):
    """No seal key is configured and none may be generated (negotiation.E009 says so)."""


def seal_key() -> SealKey:
    key_path, certificate_path = seal_paths()
    return _load(str(key_path), str(certificate_path), settings.AGREEMENT_SEAL_KEY_PASSPHRASE)


@functools.lru_cache(maxsize=4)
def _load(key_path: str, certificate_path: str, passphrase: str) -> SealKey:
    signer = signers.SimpleSigner.load(  # type: ignore[no-untyped-call]
        key_path, certificate_path, key_passphrase=passphrase.encode() or None
    )
    if signer is None:
        raise SealNotConfigured(f"the seal key {key_path} or certificate could not be read")
    certificate_pem = Path(certificate_path).read_bytes()
    return SealKey(signer, certificate_pem, fingerprint_of(certificate_pem))


def seal_pdf(content: bytes, *, key: SealKey, reason: str, location: str = "") -> bytes:
    """``content`` with the bank's seal added (an incremental update: the pages are the
    same bytes), covering the whole file."""
    if _in_event_loop():
        # pyHanko's synchronous call starts an event loop of its own, which cannot run
        # inside one already running in this thread (an async caller): sign in another.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(_seal, content, key, reason, location).result()
    return _seal(content, key, reason, location)


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _seal(content: bytes, key: SealKey, reason: str, location: str) -> bytes:
    output = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(content)),
        signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            reason=reason,
            location=location or None,
            subfilter=SigSeedSubFilter.PADES,
        ),
        signer=key.signer,
        output=output,
    )
    return output.getvalue()


def check_seal(content: bytes, *, certificate_pem: bytes) -> SealCheck:
    """Whether ``content`` carries the bank's seal by the certificate ``certificate_pem``,
    unchanged since. A file that is not a PDF, has no seal, or fails to parse is not valid
    (never an exception)."""
    try:
        reader = PdfFileReader(io.BytesIO(content))
        seals = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        logger.info("not a readable sealed PDF: %s", type(error).__name__)
        return SealCheck(sealed=False, intact=False, whole_file=False, trusted=False)
    if not seals:
        return SealCheck(sealed=False, intact=False, whole_file=False, trusted=False)
    seal = seals[-1]
    context = ValidationContext(trust_roots=[_asn1_certificate(certificate_pem)])
    try:
        status = validate_pdf_signature(seal, context)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        logger.info("seal could not be checked: %s", type(error).__name__)
        return SealCheck(sealed=True, intact=False, whole_file=False, trusted=False)
    signer_der = status.signing_cert.dump()
    return SealCheck(
        sealed=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted),
        fingerprint=hashlib.sha256(signer_der).hexdigest(),
        sealed_at=status.signer_reported_dt,
    )


def _asn1_certificate(certificate_pem: bytes) -> asn1_x509.Certificate:
    """pyHanko reads certificates from a path; the one expected here comes from memory."""
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
