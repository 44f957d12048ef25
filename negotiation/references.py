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


def new_references(prefix: str, count: int) -> list[str]:
    """``count`` references at once, for bulk imports: the same alphabet and length, drawn
    from one read of the system's random source (bytes past the last whole multiple of
    the alphabet's size are dropped, so every character stays equally likely)."""
    size, references = len(ALPHABET), list[str]()
    limit = 256 - 256 % size
    while len(references) < count:
        usable = [b % size for b in secrets.token_bytes(9 * (count - len(references))) if b < limit]
        for start in range(0, len(usable) - 7, 8):
            body = "".join(ALPHABET[i] for i in usable[start : start + 8])
            references.append(f"{prefix}-{body[:4]}-{body[4:]}")
            if len(references) == count:
                break
    return references


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
