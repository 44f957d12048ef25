"""Punctuation between translated pieces and values, in the active language. Chinese uses
full-width marks with no space after them, and runs sentences together with no space
(GB/T 15834-2011, 标点符号用法); English puts a space after a colon, a comma and a full
stop. Templates use the tags of the same names (templatetags/portal.py):
{% trans "Total cost" %}{% colon %}{{ amount }}."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language

_MARKS = {
    "zh": {"colon": "：", "comma": "，", "gap": ""},
    "": {"colon": ": ", "comma": ", ", "gap": " "},
}


def _mark(name: str) -> str:
    language = (get_language() or "").split("-")[0]
    return _MARKS.get(language, _MARKS[""])[name]


def colon() -> str:
    """After a label, before its value: ": ", or "：" in Chinese."""
    return _mark("colon")


def comma() -> str:
    """Between two items: ", ", or "，" in Chinese."""
    return _mark("comma")


def gap() -> str:
    """Between two sentences, or after a label that ends in its own colon: a space, or
    nothing in Chinese, where "。" and "：" already end the piece."""
    return _mark("gap")


def labelled(label: object, value: object) -> str:
    """ "label: value" in the active language."""
    return f"{label}{colon()}{value}"


def sentences(items: Iterable[object]) -> str:
    """Whole sentences one after another, with the language's gap between them."""
    return gap().join(str(item) for item in items)
