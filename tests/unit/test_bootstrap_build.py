"""The debtor site's Bootstrap is built from Bootstrap's Sass sources with only the parts
the pages use (frontend/portal-bootstrap.scss, `make css`), into
static/vendor/bootstrap/bootstrap.min.css. This reads the built CSS and the templates:

- no class a debtor page, the sign-in, an error page or the crispy-forms templates our forms
  render puts on an element is missing from our stylesheets (a part of Bootstrap left out
  that a page uses fails here, not in a screenshot);
- the CSS has no data: image (the Content-Security-Policy refuses them: img-src 'self'); the
  select arrow, the ticks, the menu icon and a field's error icon are files in img/, each
  there and each used.
"""

from __future__ import annotations

import re
from pathlib import Path

import crispy_bootstrap5

from negotiation.delinquency import Stage
from negotiation.policy import Verdict

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "static" / "vendor" / "bootstrap"
BUILT = BOOTSTRAP / "bootstrap.min.css"
OUR_CSS = [
    BUILT,
    ROOT / "static" / "css" / "portal.css",
    ROOT / "static" / "css" / "session-timeout.css",
]
TEMPLATES = ROOT / "templates"
CRISPY = Path(crispy_bootstrap5.__file__).parent / "templates" / "bootstrap5"
# Templates that are never a page of the debtor site: the staff site (Django's admin CSS and
# staff.css, no Bootstrap), emails and letters, the PDF agreement (its own <style>).
NOT_PAGES = ("admin", "emails", "letters", "sms", "notifications")
# crispy-forms layouts our forms do not use (no Accordion, Modal or Tab in negotiation/forms).
CRISPY_UNUSED = ("accordion", "modal", "tab")
# Classes that only name an element for a script or a test: no style is meant.
HOOKS = {"lang-switch", "suggestion", "timeline-details", "text-size-switch"}
# Names crispy-forms writes that Bootstrap 5 gives no style (its own, or Bootstrap 4's).
CRISPY_UNSTYLED = {
    "asteriskField",
    "multiField",
    "alert-block",
    "form-actions",
    "aab",
    "description",
    "ml-2",
}
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"')
TEMPLATE_CODE = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
# A whole class name: not glued to template code on either side (text-bg-{{ tone }}).
WHOLE = re.compile(r"(?<![\w\-\x00])[A-Za-z][\w-]*(?![\w\-\x00])")
THEME_COLOURS = ("primary", "secondary", "success", "info", "warning", "danger", "light", "dark")


def defined_classes(css: str) -> set[str]:
    without_urls = re.sub(r"url\([^)]*\)", "", re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL))
    return set(re.findall(r"\.(-?[A-Za-z_][\w-]*)", without_urls))


def page_templates() -> list[Path]:
    ours = [
        path
        for path in TEMPLATES.rglob("*.html")
        if not set(path.relative_to(TEMPLATES).parts[:-1]) & set(NOT_PAGES)
        and not path.name.startswith("agreement")
    ]
    crispy = [path for path in CRISPY.rglob("*.html") if not path.name.startswith(CRISPY_UNUSED)]
    return ours + crispy


def used_classes(template: str) -> set[str]:
    """The class names written whole in the template's class attributes."""
    found: set[str] = set()
    for attribute in CLASS_ATTRIBUTE.finditer(TEMPLATE_CODE.sub("\x00", template)):
        found |= set(WHOLE.findall(attribute.group(1)))
    return found


def test_every_class_a_page_uses_is_in_the_build():
    defined = set().union(*(defined_classes(p.read_text(encoding="utf-8")) for p in OUR_CSS))
    missing = {
        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}: {name}"
        for path in page_templates()
        for name in used_classes(path.read_text(encoding="utf-8"))
        if name not in defined | HOOKS | CRISPY_UNSTYLED
    }
    assert not missing, sorted(missing)


def test_the_badges_colours_named_in_code_are_in_the_build():
    # Badges take their colour from code: text-bg-{{ stage.tone }}, text-bg-{{ verdict.tone }}.
    defined = defined_classes(BUILT.read_text(encoding="utf-8"))
    tones = {stage.tone for stage in Stage} | {verdict.tone for verdict in Verdict}
    assert tones <= set(THEME_COLOURS)
    assert {f"text-bg-{colour}" for colour in THEME_COLOURS} <= defined


def test_the_check_sees_a_missing_class_and_skips_template_code():
    template = '<p class="mb-3 not-in-bootstrap text-bg-{{ tone }} {% if x %}active{% endif %}">'
    assert used_classes(template) == {"mb-3", "not-in-bootstrap"}
    assert "not-in-bootstrap" not in defined_classes(BUILT.read_text(encoding="utf-8"))


def test_the_build_has_no_data_image_and_every_picture_is_a_file():
    css = BUILT.read_text(encoding="utf-8")
    assert "data:" not in css
    named = set(re.findall(r'url\("?img/([a-z0-9-]+\.svg)"?\)', css))
    assert "navbar-dark-toggler-icon-bg.svg" in named  # the menu icon, select arrow, ticks
    assert "form-select-bg-img.svg" in named
    assert {p.name for p in (BOOTSTRAP / "img").glob("*.svg")} == named
    for name in named:
        assert (BOOTSTRAP / "img" / name).read_text(encoding="utf-8").startswith("<svg")


def test_only_the_built_bootstrap_is_there():
    # No bundle script (the menu is static/js/portal.js) and no full Bootstrap beside it.
    assert sorted(p.name for p in BOOTSTRAP.iterdir()) == ["LICENSE", "bootstrap.min.css", "img"]
    # Bootstrap's whole CSS is 232 KB; its Sass with only our parts 146 KB; PurgeCSS's 53 KB.
    assert BUILT.stat().st_size < 60_000


def test_the_classes_the_template_filters_write_are_in_the_build():
    # A date is written by the portal filters day and day_and_time inside this markup, not
    # in a template's class attribute, so the check above does not see it.
    from negotiation.templatetags.portal import UNBREAKABLE

    defined = set().union(*(defined_classes(p.read_text(encoding="utf-8")) for p in OUR_CSS))
    assert used_classes(UNBREAKABLE) == {"text-nowrap"}
    assert used_classes(UNBREAKABLE) <= defined
