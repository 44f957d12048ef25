"""Display money and rates the same way on every page: ``{{ amount|money:"CNY" }}``."""

from decimal import Decimal

from django import template

from negotiation.money import format_amount, round_money

register = template.Library()


@register.filter
def money(value: Decimal | None, currency: str = "CNY") -> str:
    """The template's side of ``money.format_amount``: blank for no value."""
    if value is None or value == "":
        return ""
    return format_amount(Decimal(value), currency)


@register.filter
def percent(value: Decimal | None) -> str:
    """A rate already in percent (13.03), shown as 13.03%."""
    if value is None or value == "":
        return ""
    return f"{round_money(Decimal(value)):,.2f}%"


@register.filter
def rate_percent(value: Decimal | None) -> str:
    """A fraction (0.006) shown as a percent (0.60%)."""
    if value is None or value == "":
        return ""
    return f"{round_money(Decimal(value) * 100):,.2f}%"


@register.filter
def figure(value: Decimal | int | None) -> str:
    """A dashboard's number: grouped by thousands (12,345; 1,234.50), "–" for no figure."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):  # never a figure; shown as given rather than as 1 or 0
        return str(value)
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)
