from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _

from negotiation.references import new_reference


def private_storage() -> Storage:
    """Documents live in the "private" storage: no public URL; read only through the
    permission-checked views (settings.STORAGES)."""
    return storages["private"]


def document_path(instance: "Document", filename: str) -> str:
    # The name the debtor gave is never used on disk: only the references and the type.
    owner = instance.request or instance.dispute
    assert owner is not None, "a document belongs to a request or a dispute"
    return f"documents/{owner.reference}/{instance.reference}.{instance.extension}"


def new_document_reference() -> str:
    return new_reference("DC")


class DocumentKind(models.TextChoices):
    INCOME = "income", _("Proof of income")
    MEDICAL = "medical", _("Medical certificate")
    UNEMPLOYMENT = "unemployment", _("Proof of unemployment")
    OTHER = "other", _("Other document")


class Document(models.Model):
    """A proof the debtor uploaded on a request or a dispute (exactly one of them: a
    database check). Sensitive personal information (PIPL Art. 28): stored privately, read
    only by staff with the permission, each read audited."""

    reference = models.CharField(
        max_length=16, unique=True, default=new_document_reference, verbose_name=_("reference")
    )
    request = models.ForeignKey(
        "negotiation.ReliefRequest",
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("request"),
    )
    dispute = models.ForeignKey(
        "negotiation.Dispute",
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("dispute"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DocumentKind.choices)
    # Both emptied by the retention job (services.retention), which keeps the row (kind,
    # size, sha256, when and with what consent it came) as the record that it was received.
    file = models.FileField(
        storage=private_storage,
        upload_to=document_path,
        max_length=200,
        blank=True,
        verbose_name=_("file"),
    )
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(
        max_length=40, verbose_name=_("file type")
    )  # from the content, not from the name
    size = models.PositiveIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("checksum (SHA-256)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    consent_given_at = models.DateTimeField(
        verbose_name=_("consent given at")
    )  # the separate consent (PIPL Art. 29)
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))
    # The day the retention job deleted the file and its name: a removed document is listed
    # as removed, and downloading it is a 404.
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [("download_document", "Can download debtors' documents")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(request__isnull=False, dispute__isnull=True)
                | models.Q(request__isnull=True, dispute__isnull=False),
                name="document_has_one_owner",
                violation_error_message=_("A document belongs to one request or one dispute."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"

    @property
    def extension(self) -> str:
        return {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
            self.content_type
        ]
