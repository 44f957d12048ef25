"""No inline script or style in any template a browser is shown: the Content-Security-Policy
(script-src and style-src 'self', no 'unsafe-inline') would refuse it, so the page would
break in the browser and nowhere else. Every template under templates/ is read, and those of
crispy-forms' Bootstrap 5 pack and Django's form widgets, which render inside our pages:
a <style> block, a style="..." attribute, a <script> with code in it (a <script src=...>
is fine), an on...= handler attribute or a javascript: link fails here.

The Django admin's own templates are read too; the one place they write a style (the
change list's <style>, only for a list without actions) must stay out of our lists."""

from __future__ import annotations

import re
from pathlib import Path

import crispy_bootstrap5
import django
from django.contrib import admin

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "templates"
THIRD_PARTY = [
    Path(crispy_bootstrap5.__file__).parent / "templates",
    Path(django.__file__).parent / "forms" / "templates",
    Path(django.__file__).parent / "contrib" / "admin" / "templates",
]
# Templates that are never a browser's page, each with the reason.
NOT_BROWSER_PAGES = {
    # Included only by the templates rendered to a PDF by WeasyPrint (the agreement, the
    # letters), never sent as HTML: its <style> holds the printed page's size, margins and
    # footer.
    OURS / "negotiation" / "_pdf_style.html": "<style>",
}
# Django's change list writes a <style> when a list has neither the top nor the bottom
# actions bar; test_every_list_keeps_an_actions_bar keeps ours out of that case.
ADMIN_CHANGE_LIST = THIRD_PARTY[2] / "admin" / "change_list.html"

CHECKS = {
    "<style>": re.compile(r"<style\b", re.IGNORECASE),
    "style=": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<script> with code": re.compile(r"<script\b[^>]*>(?!\s*</script>)", re.IGNORECASE),
    "on...= handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: link": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(text: str) -> list[str]:
    """What ``text`` holds that the policy would refuse, one label per kind found."""
    return [label for label, pattern in CHECKS.items() if pattern.search(text)]


def _templates(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_no_template_of_ours_has_inline_script_or_style():
    found = {}
    for path in _templates(OURS):
        labels = [
            label for label in inline_code(path.read_text()) if NOT_BROWSER_PAGES.get(path) != label
        ]
        if labels:
            found[str(path.relative_to(ROOT))] = labels
    assert len(_templates(OURS)) > 50  # the scan reads them all
    assert found == {}


def test_the_templates_rendered_inside_our_pages_have_none_either():
    found = {}
    for folder in THIRD_PARTY:
        assert _templates(folder)
        for path in _templates(folder):
            labels = inline_code(path.read_text())
            if path == ADMIN_CHANGE_LIST:
                labels.remove("<style>")
            if labels:
                found[str(path)] = labels
    assert found == {}


def test_every_list_keeps_an_actions_bar():
    for model_admin in admin.site._registry.values():
        assert model_admin.actions_on_top or model_admin.actions_on_bottom, model_admin


def test_the_agreement_is_rendered_only_to_a_pdf():
    uses = [
        path.relative_to(ROOT)
        for path in (ROOT / "negotiation").rglob("*.py")
        if "negotiation/agreement.html" in path.read_text()
    ]
    assert uses == [Path("negotiation/services/agreements.py")]
    source = (ROOT / "negotiation" / "services" / "agreements.py").read_text()
    rendered = source.split('"negotiation/agreement.html"')[1].split("\n\n")[0]
    assert "weasyprint.HTML(string=html).write_pdf()" in rendered


def test_the_printed_page_style_is_only_in_pdfs():
    including = sorted(
        path.relative_to(OURS)
        for path in OURS.rglob("*.html")
        if "negotiation/_pdf_style.html" in path.read_text()
    )
    assert including == [Path("negotiation/agreement.html"), Path("negotiation/letters/_pdf.html")]


def test_the_letters_are_rendered_only_to_a_pdf():
    uses = sorted(
        path.relative_to(ROOT)
        for path in (ROOT / "negotiation").rglob("*.py")
        if "negotiation/letters/" in path.read_text()
    )
    assert uses == [Path("negotiation/services/letters.py")]
    source = (ROOT / "negotiation" / "services" / "letters.py").read_text()
    assert "weasyprint.HTML(string=html).write_pdf()" in source


def test_the_scan_finds_each_kind():
    assert inline_code('<p style="color: red">') == ["style="]
    assert inline_code("<style>p { color: red }</style>") == ["<style>"]
    assert inline_code("<script>alert(1)</script>") == ["inline <script>", "<script> with code"]
    assert inline_code('<script src="/a.js">go()</script>') == ["<script> with code"]
    assert inline_code('<button type="button" onclick="go()">') == ["on...= handler"]
    assert inline_code('<a href="javascript:go()">') == ["javascript: link"]
    assert inline_code('<script src="/static/a.js"></script><p class="styled">') == []
    assert inline_code('<input data-on-change="x" name="stylebook">') == []
