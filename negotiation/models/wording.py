"""Reusable wording for the decision forms: questions, explanations of a rejection, notes
with a counter-offer, written once by supervisors in both languages."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class WordingKind(models.TextChoices):
    QUESTION = "question", _("Question for the debtor")
    REJECTION = "rejection", _("Explanation of a rejection")
    COUNTER_NOTE = "counter_note", _("Note with a counter-offer")


class WordingTemplate(models.Model):
    """A text a specialist may start from on a decision form. The debtor reads it in their
    own language (``Debtor.preferred_language``), so both texts are required. Never deleted:
    one no longer wanted is made inactive (it stays readable in the audit trail)."""

    kind = models.CharField(_("used for"), max_length=20, choices=WordingKind.choices)
    title = models.CharField(
        _("title"), max_length=120, help_text=_("What staff see in the list on the form.")
    )
    # Staff read the list in their own language, as every label of the staff site.
    title_zh = models.CharField(
        _("title in Simplified Chinese"),
        max_length=120,
        blank=True,
        help_text=_("What staff reading in Chinese see in the list; empty: the title above."),
    )
    text_en = models.TextField(_("text in English"), max_length=4000)
    text_zh = models.TextField(_("text in Simplified Chinese"), max_length=4000)
    active = models.BooleanField(_("offered on the forms"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["kind", "title", "pk"]
        verbose_name = _("wording template")
        verbose_name_plural = _("wording templates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "title"],
                name="one_wording_title_per_kind",
                violation_error_message=_("A wording of this kind already has this title."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=WordingKind.values),
                name="wording_kind_known",
                violation_error_message=_("Please choose what the wording is for."),
            ),
        ]

    def __str__(self) -> str:
        return self.title_in(get_language() or "en")

    def title_in(self, language: str) -> str:
        return self.title_zh if language.startswith("zh") and self.title_zh else self.title

    def text_in(self, language: str) -> str:
        """The text in ``language`` (a language code such as "zh-hans" or "en")."""
        return self.text_zh if language.startswith("zh") else self.text_en
