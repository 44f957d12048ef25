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


# Random bytes to alphabet letters in one C call (bytes.translate): the bytes past the last
# whole multiple of the alphabet's size are dropped, so every letter stays equally likely.
_TO_ALPHABET = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))
_UNEVEN = bytes(range(256 - 256 % len(ALPHABET), 256))


def new_references(prefix: str, count: int) -> list[str]:
    """``count`` references at once, for bulk imports: the same alphabet and length, drawn
    from one read of the system's random source per round."""
    references = list[str]()
    while len(references) < count:
        wanted = count - len(references)
        letters = secrets.token_bytes(9 * wanted).translate(_TO_ALPHABET, _UNEVEN).decode()
        whole = min(len(letters) // 8, wanted) * 8
        references += [
            f"{prefix}-{letters[i : i + 4]}-{letters[i + 4 : i + 8]}" for i in range(0, whole, 8)
        ]
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


def new_payment_intent_reference() -> str:
    return new_reference("PI")
