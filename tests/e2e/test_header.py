"""The header of a phone is one row in both text sizes and both languages: the brand, the
language buttons and the menu button side by side from 320 px to 375 px (static/css/
portal.css), and wider, until the menu is laid out in a row, the same three (base.html: the
menu is behind its button up to xl, xxl in the larger text)."""

from __future__ import annotations

import pytest

from tests.e2e.chromium import BROWSER_TESTS, LOCALES

pytestmark = [*BROWSER_TESTS, pytest.mark.django_db(transaction=True)]

# Each part of the header, as a box: (top, bottom) on the page.
PARTS = {"brand": ".navbar-brand", "languages": ".lang-switch", "menu button": ".navbar-toggler"}
ROWS = """selectors => Object.fromEntries(Object.entries(selectors).map(([name, selector]) => {
  const box = document.querySelector(selector).getBoundingClientRect();
  return [name, [box.top, box.bottom, box.width > 0]];
}))"""


def one_row(boxes: dict[str, list[float]]) -> bool:
    """The parts shown share a row: some height is common to every one of them."""
    shown = [(top, bottom) for top, bottom, visible in boxes.values() if visible]
    return max(top for top, _ in shown) < min(bottom for _, bottom in shown)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("size", ["standard", "large"])
def test_the_header_is_one_row_on_a_phone_in_both_text_sizes(live_server, browser, language, size):
    context = browser.new_context(viewport={"width": 375, "height": 700}, locale=LOCALES[language])
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "url": live_server.url},
            {"name": "text_size", "value": size, "url": live_server.url},
        ]
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/rights/")
        assert page.evaluate("document.documentElement.className").count("text-large") == (
            size == "large"
        )
        for width in (320, 340, 360, 375, 414, 600, 800, 1000, 1199):
            page.set_viewport_size({"width": width, "height": 700})
            boxes = page.evaluate(ROWS, PARTS)
            assert boxes["menu button"][2], (width, "the menu is behind its button")
            assert one_row(boxes), (width, boxes)
            # One row of the header: no taller than its tallest part and its padding.
            header = page.locator("header nav").bounding_box()
            assert header is not None
            tallest = max(bottom - top for top, bottom, _ in boxes.values())
            assert header["height"] <= tallest + 24, (width, header["height"], boxes)
    finally:
        context.close()


def test_the_check_sees_a_second_row():
    assert one_row({"a": [0, 40, True], "b": [10, 30, True]})
    assert not one_row({"a": [0, 40, True], "b": [41, 80, True]})
    assert one_row({"a": [0, 40, True], "hidden": [50, 50, False]})
