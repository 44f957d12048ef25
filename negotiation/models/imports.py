"""One run of a bank file import: what was asked, how far it got, and what it found."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ACCOUNTS = "accounts", _("Debtors and accounts")
    PAYMENTS = "payments", _("Payments")


class ImportStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Nothing imported")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """A file imported by a command or an upload. ``problems`` lists every bad row as
    [line, column, reason]: the reasons never repeat a value that could be a card number."""

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(_("file"), max_length=255)
    skip_invalid = models.BooleanField(_("skip bad rows"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.RUNNING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows read"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows skipped"), default=0)
    debtors_created = models.PositiveIntegerField(_("debtors added"), default=0)
    debtors_updated = models.PositiveIntegerField(_("debtors changed"), default=0)
    accounts_created = models.PositiveIntegerField(_("accounts added"), default=0)
    accounts_updated = models.PositiveIntegerField(_("accounts changed"), default=0)
    problems = models.JSONField(default=list, blank=True, verbose_name=_("problems"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(auto_now_add=True, verbose_name=_("started at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))
    # The round of invitations staff asked for this import's debtors: sent in the background
    # in chunks (services.onboarding.invite_import_debtors), its counts kept as it goes.
    invitations_requested_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("invitations requested at")
    )
    invitations_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invitations requested by"),
    )
    invitations_finished_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("invitations finished at")
    )
    invitation_counts = models.JSONField(
        default=dict, blank=True, verbose_name=_("invitations sent")
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        permissions = [("upload_import", "Can import the bank's files in the staff site")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    @property
    def inviting(self) -> bool:
        """A round of invitations is on its way."""
        return self.invitations_requested_at is not None and self.invitations_finished_at is None

    @property
    def bad_lines(self) -> int:
        """How many lines of the file had a problem (a line may have several)."""
        return len({line for line, _column, _reason in self.problems})
