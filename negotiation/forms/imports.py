"""Uploading a bank file in the staff site."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from negotiation.models import ImportKind


class UploadImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("The columns are in the operations guide. A header row is required."),
        error_messages={"required": _("Choose the file to import.")},
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"),
        required=False,
        help_text=_("Unticked, one bad row stops the whole file and nothing is imported."),
    )

    def clean_file(self) -> UploadedFile[Any]:
        upload: UploadedFile[Any] = self.cleaned_data["file"]
        name = str(upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Choose a CSV or XLSX file."))
        if (upload.size or 0) > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("This file is too large to import here."))
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        is_xlsx = upload is not None and str(upload.name).lower().endswith(".xlsx")
        if cleaned.get("kind") == ImportKind.PAYMENTS and is_xlsx:
            self.add_error("file", _("Payments are imported from a CSV file."))
        return cleaned
