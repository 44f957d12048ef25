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


# Elements laid out in a line with their neighbours: between two of them the template's
# whitespace is a space the reader sees ("：</strong> 按时" shows "： 按时").
INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "code",
    "em",
    "i",
    "kbd",
    "label",
    "mark",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
    "wbr",
}


class VisibleText(HTMLParser):
    """The text a reader sees or hears, laid out as the browser does: a run of whitespace
    is one space inside a line, nothing at a block's edge, kept as it is in preformatted
    text (the agreement keeps its own lines); scripts and styles left out; and the
    attributes a screen reader reads, each on a line of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0
        self._preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        if tag == "pre":
            self._preformatted += 1
        if tag not in INLINE:
            self.parts.append("\n")
        self.parts.extend(
            f"\n{value}\n" for name, value in attrs if name in READ_ATTRIBUTES and value
        )

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping -= 1
        if tag == "pre":
            self._preformatted -= 1
        if tag not in INLINE:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        self.parts.append(
            re.sub(r"[ \t]+", " ", data) if self._preformatted else re.sub(r"\s+", " ", data)
        )

    def text(self) -> str:
        return re.sub(r" *\n *", "\n", "".join(self.parts))


def problems_in(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    text = parser.text()
    return [
        text[max(0, m.start() - 12) : m.end() + 12].replace("\n", " / ")
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
    assert problems_in("<p><strong>您可以怎么做：</strong> 按时还款</p>")  # across an inline tag
    assert not problems_in("<pre>补缴。\n如在此期限后</pre>")  # a line of its own
    assert not problems_in("<p>已逾期。</p>\n    <p>如不采取行动</p>")  # two paragraphs
    assert problems_in('<span aria-label="持卡人: 张三"></span>')
    assert not problems_in("<p>申请进度：已提交，金额 ¥4,500.00，时间 10:30</p>")
    assert not problems_in("<script>var a = '进度: x';</script>")
