"""How to pay: the bank's repayment channels as a debtor reads them for one account, in
their language, with the reference to quote filled in."""

from __future__ import annotations

from dataclasses import dataclass

from negotiation.models import CreditAccount, RepaymentChannel


@dataclass(frozen=True)
class HowToPay:
    name: str
    instructions: str


def how_to_pay(account: CreditAccount, *, language: str) -> list[HowToPay]:
    chinese = language.startswith("zh")
    values = {"reference": account.reference, "card": account.masked_card}
    return [
        HowToPay(
            name=channel.name_zh if chinese else channel.name,
            instructions=_filled(
                channel.instructions_zh if chinese else channel.instructions, values
            ),
        )
        for channel in RepaymentChannel.objects.filter(active=True)
    ]


def _filled(text: str, values: dict[str, str]) -> str:
    """``{reference}`` and ``{card}`` replaced; any other brace left as written (staff text
    is not a format string, so a stray brace cannot break the page)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text
