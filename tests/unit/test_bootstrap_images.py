"""Bootstrap draws its select arrow, the tick of a checkbox, the menu icon and a field's error
icon as data: images in its CSS, which the Content-Security-Policy refuses (img-src 'self').
static/vendor/bootstrap/images.css, loaded after Bootstrap, gives each of those rules the
same image as a file beside it (img/), so the browser never asks for a data: image.

This test reads every data: image in bootstrap.min.css and fails unless images.css replaces
it, under the same selector and property, with a file holding the same picture: a new
Bootstrap with a new data: image fails here. After upgrading Bootstrap, write both again:

    .venv/bin/python -m tests.unit.test_bootstrap_images
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

BOOTSTRAP = Path(__file__).resolve().parents[2] / "static" / "vendor" / "bootstrap"
SOURCE = BOOTSTRAP / "bootstrap.min.css"
OVERRIDES = BOOTSTRAP / "images.css"
IMAGES = BOOTSTRAP / "img"
DATA_URL = re.compile(r'url\("data:image/svg\+xml,([^"]*)"\)')
FILE_URL = re.compile(r'url\("img/([a-z0-9-]+\.svg)"\)')


@dataclass(frozen=True)
class Declaration:
    """One declaration of a CSS rule: its at-rule (``@media ...`` or empty), selector,
    property and value."""

    at_rule: str
    selector: str
    prop: str
    value: str


def declarations(css: str) -> list[Declaration]:
    """Every declaration of ``css``, with the selector and at-rule it sits in (one level of
    ``@media`` nesting, as Bootstrap's CSS has)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    found: list[Declaration] = []
    preludes: list[str] = []
    start = 0
    for position, char in enumerate(css):
        if char == "{":
            preludes.append(css[start:position].strip())
            start = position + 1
        elif char == "}":
            body = css[start:position]
            if preludes and not preludes[-1].startswith("@") and body.strip():
                at_rule = preludes[-2] if len(preludes) > 1 else ""
                for item in body.split(";"):
                    prop, sep, value = item.partition(":")
                    if sep:
                        found.append(Declaration(at_rule, preludes[-1], prop.strip(), value))
            if preludes:
                preludes.pop()
            start = position + 1
        elif char == ";" and not preludes:
            start = position + 1  # @charset and the like
    return found


def data_images(css: str) -> list[Declaration]:
    return [d for d in declarations(css) if DATA_URL.search(d.value)]


def _name(declaration: Declaration) -> str:
    first = declaration.selector.split(",")[0]
    words = re.findall(r"[a-z0-9]+", f"{first} {declaration.prop.removeprefix('--bs-')}")
    return "-".join(dict.fromkeys(words)) + ".svg"  # each word once: readable, stable


def expected() -> tuple[str, dict[str, str]]:
    """The text of images.css and the picture of each file in img/, from Bootstrap's CSS."""
    pictures: dict[str, str] = {}
    rules: list[str] = []
    for declaration in data_images(SOURCE.read_text(encoding="utf-8")):
        match = DATA_URL.search(declaration.value)
        assert match is not None
        svg = unquote(match.group(1))
        name = next((n for n, p in pictures.items() if p == svg), None) or _name(declaration)
        pictures[name] = svg
        value = DATA_URL.sub(f'url("img/{name}")', declaration.value)
        rule = f"{declaration.selector}{{{declaration.prop}:{value}}}"
        rules.append(f"{declaration.at_rule}{{{rule}}}" if declaration.at_rule else rule)
    header = (
        "/* Bootstrap's data: images as files (the Content-Security-Policy refuses data:),\n"
        "   written by tests/unit/test_bootstrap_images.py from bootstrap.min.css. */\n"
    )
    return header + "\n".join(rules) + "\n", pictures


def test_every_data_image_of_bootstrap_is_a_file():
    source = data_images(SOURCE.read_text(encoding="utf-8"))
    assert len(source) > 10  # the parser finds them: the select arrow, the ticks, the icons
    overrides = {
        (d.at_rule, d.selector, d.prop): d
        for d in declarations(OVERRIDES.read_text(encoding="utf-8"))
    }
    for declaration in source:
        key = (declaration.at_rule, declaration.selector, declaration.prop)
        assert key in overrides, f"images.css does not replace {key}"
        replaced = overrides[key].value
        assert not DATA_URL.search(replaced)
        match = FILE_URL.search(replaced)
        assert match is not None, replaced
        data = DATA_URL.search(declaration.value)
        assert data is not None
        assert (IMAGES / match.group(1)).read_text(encoding="utf-8") == unquote(data.group(1))
        # The rest of the value (a position, a second image) is Bootstrap's own.
        assert FILE_URL.sub("", replaced) == DATA_URL.sub("", declaration.value)


def test_the_check_fails_on_a_data_image_left_in_place():
    css = '.x{color:red;--bs-icon:url("data:image/svg+xml,%3csvg/%3e")}@media (x){.y{a:b}}'
    found = data_images(css)
    assert [(d.selector, d.prop) for d in found] == [(".x", "--bs-icon")]
    assert [d.at_rule for d in declarations(css)] == ["", "", "@media (x)"]


def write() -> None:
    text, pictures = expected()
    IMAGES.mkdir(exist_ok=True)
    for old in IMAGES.glob("*.svg"):
        old.unlink()
    for name, svg in pictures.items():
        (IMAGES / name).write_text(svg, encoding="utf-8")
    OVERRIDES.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write()
