"""Display money and rates the same way on every page: ``{{ amount|money:"CNY" }}``."""

from decimal import Decimal

from django import template

from negotiation.money import round_money

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$"}


@register.filter
def money(value: Decimal | None, currency: str = "CNY") -> str:
    if value is None or value == "":
        return ""
    amount = round_money(Decimal(value))
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency, f"{currency} ")
    return f"{sign}{symbol}{abs(amount):,.2f}"


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
