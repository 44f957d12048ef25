"""Chinese that reads like a bank wrote it (issue 16): every debtor page, rendered in
Chinese, has full-width punctuation next to Chinese characters and no stray space after a
full-width mark. The catalog's own strings are checked in tests/unit/test_glossary.py; this
catches what templates put between them (a colon after a {% trans %}, a comma between two)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from negotiation.models import RepaymentPlan
from tests.factories import PASSWORD, give_a_mobile_number, last_sms_code
from tests.web.conftest import World
from tests.web.test_url_matrix import DEBTOR_URLS, MORE_ARGS

pytestmark = pytest.mark.django_db

CJK = "\u4e00-\u9fff"
# A half-width mark touching a Chinese character, on either side (a space between counts as
# touching: "期, 免"); and a space after a full-width mark before more Chinese ("补缴。 如").
PROBLEMS = [
    re.compile(rf"[{CJK}] *[,:;?!()]"),
    re.compile(rf"[,:;?!(] *[{CJK}]"),
    re.compile(rf"[。，：；？！、] +[{CJK}]"),
]
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes outside scripts and styles, and the
    attributes a screen reader reads."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        self.parts.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def problems_in(html: str) -> list[str]:
    """Each text node on its own: between two elements a space is layout, not text. A bare
    line break is kept (the agreement's text keeps its lines); an indented one is the
    template's layout, shown as a space, and runs of spaces become one."""
    parser = VisibleText()
    parser.feed(html)
    texts = [re.sub(r"\n?[ \t]+", " ", part) for part in parser.parts]
    return [
        text[max(0, m.start() - 12) : m.end() + 12]
        for text in texts
        for pattern in PROBLEMS
        for m in pattern.finditer(text)
    ]


def chinese(client: Client) -> Client:
    client.cookies["django_language"] = "zh-hans"
    return client


def debtor_pages(world: World) -> list[str]:
    pages = []
    for name, (kind, methods) in DEBTOR_URLS.items():
        if "GET" not in methods or name in {"document_download"} or name.endswith("_pdf"):
            continue
        args = [getattr(world, kind)] if kind else []
        pages.append(reverse(f"negotiation:{name}", args=[*args, *MORE_ARGS.get(name, [])]))
    return pages


def test_every_debtor_page_has_full_width_punctuation_in_chinese(debtor_client, debtor, world):
    client = chinese(debtor_client)
    found = {}
    for url in debtor_pages(world):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        if problems := problems_in(response.content.decode()):
            found[url] = problems
    # The plan once signed: its schedule with what is paid, its standing on the account.
    give_a_mobile_number(debtor)
    plan_url = reverse("negotiation:plan_detail", args=[world.plan])
    client.post(plan_url, {"consent_terms": "on", "password": PASSWORD})
    client.post(plan_url, {"step": "code", "code": last_sms_code()})
    plan = RepaymentPlan.objects.get(reference=world.plan)
    for url in (plan_url, reverse("negotiation:account", args=[plan.account.reference])):
        if problems := problems_in(client.get(url).content.decode()):
            found[url] = problems
    assert found == {}


def test_the_pages_before_the_sign_in_have_full_width_punctuation_in_chinese():
    client = chinese(Client())
    found = {}
    for url in (reverse("login"), reverse("password_reset"), "/no-such-page/"):
        if problems := problems_in(client.get(url).content.decode()):
            found[url] = problems
    assert found == {}


def test_the_scan_finds_half_width_marks_and_stray_spaces():
    assert problems_in("<p>申请进度: 已提交</p>")
    assert problems_in("<p>共 3 期, 免还款</p>")
    assert problems_in("<p>补缴。 如在此期限后</p>")
    assert problems_in("<p>自动退出登录。\n        剩余时间：</p>")  # the template's indent
    assert not problems_in("<pre>补缴。\n如在此期限后</pre>")  # a line of its own
    assert problems_in('<span aria-label="持卡人: 张三"></span>')
    assert not problems_in("<p>申请进度：已提交，金额 ¥4,500.00，时间 10:30</p>")
    assert not problems_in("<script>var a = '进度: x';</script>")
