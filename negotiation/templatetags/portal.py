"""Small display helpers for the debtor pages."""

from django import template
from django.utils.translation import get_language

from negotiation.models import Program

register = template.Library()


@register.filter
def program_name(program: Program) -> str:
    """The program's name in the page's language (programs are content, not code)."""
    return program.localized_name(get_language() or "en")


@register.filter
def program_description(program: Program) -> str:
    return program.localized_description(get_language() or "en")
