"""Public identifiers: random, short, readable aloud, never sequential (DESIGN.md section 3).

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L) give 31^8, about
8.5e11, values: a collision among 100,000 rows is about a 1-in-170 event per table, and a
unique constraint catches it.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def new_debtor_reference() -> str:
    return new_reference("DB")


def new_account_reference() -> str:
    return new_reference("AC")


def new_request_reference() -> str:
    return new_reference("RQ")


def new_plan_reference() -> str:
    return new_reference("PL")


def new_invitation_reference() -> str:
    return new_reference("IV")
