"""Static files on a slow network (docs/PERFORMANCE.md, "A debtor on a slow phone network"):
WhiteNoise serves what `collectstatic` wrote, compressed and under hashed names for ten
years; no page waits for a script before it shows; the favicon is there.

The suite itself runs without collectstatic (STATIC_MANIFEST=0: plain names, read from
static/); the test of production's behaviour collects into a folder of its own first."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse

from negotiation.models import CreditAccount
from tests.conftest import staff_client

TEN_YEARS = "max-age=315360000, public, immutable"
PRODUCTION_STORAGES = {
    **django_settings.STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """A static root as production's deploy writes it: hashed names, gzip and Brotli."""
    root = tmp_path_factory.mktemp("static-root")
    with override_settings(STATIC_ROOT=root, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
    return Path(root)


@pytest.fixture
def production_static(collected, settings) -> Path:
    """Production's static settings over the collected root (a new Client builds its
    WhiteNoise from them)."""
    settings.STATIC_ROOT = collected
    settings.STORAGES = PRODUCTION_STORAGES
    settings.STATIC_MANIFEST = True
    settings.WHITENOISE_USE_FINDERS = False
    return Path(collected)


class Tags(HTMLParser):
    """The page's <script> and <link> tags, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append(dict(attrs))
        elif tag == "link":
            self.links.append(dict(attrs))


def tags_of(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def test_the_css_is_served_compressed_hashed_and_for_ten_years(production_static, debtor_client):
    url = staticfiles_storage.url("vendor/bootstrap/bootstrap.min.css")
    assert re.fullmatch(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", url)
    # The page names the hashed file (a new Client: WhiteNoise and the storage as in production).
    client = Client()
    client.cookies = debtor_client.cookies
    page = client.get(reverse("negotiation:dashboard"))
    assert page.status_code == 200
    assert url in [link["href"] for link in tags_of(page.content.decode()).links]

    plain = client.get(url)
    assert "Content-Encoding" not in plain
    len_plain = int(plain["Content-Length"])
    assert len_plain > 40_000
    for encoding, accepted in (("br", "br, gzip"), ("gzip", "gzip")):
        response = client.get(url, HTTP_ACCEPT_ENCODING=accepted)
        assert response.status_code == 200
        assert response["Content-Encoding"] == encoding
        assert response["Cache-Control"] == TEN_YEARS
        assert response["Content-Type"].startswith("text/css")
        assert "Accept-Encoding" in response["Vary"]
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert len(body) < len_plain / 4  # compressed


def test_a_file_without_its_hash_is_served_for_a_minute_only(production_static):
    # Only a hashed name may be kept for long: the plain name changes content on a deploy.
    response = Client().get("/static/css/portal.css")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"


def test_the_pictures_named_in_the_css_are_its_hashed_files(production_static):
    url = staticfiles_storage.url("vendor/bootstrap/bootstrap.min.css")
    css = production_static / url.removeprefix("/static/")
    names = re.findall(r'url\("?([^")]+)"?\)', css.read_text(encoding="utf-8"))
    assert names
    for name in names:
        assert re.fullmatch(r"img/[a-z0-9-]+\.[0-9a-f]{12}\.svg", name), name


def _debtor_pages(debtor_client, account: CreditAccount) -> dict[str, str]:
    urls = {
        "dashboard": reverse("negotiation:dashboard"),
        "request form": reverse("negotiation:request_create", args=[account.reference]),
        "dispute form": reverse("negotiation:dispute_create", args=[account.reference]),
    }
    pages = {name: debtor_client.get(url) for name, url in urls.items()}
    for name, response in pages.items():
        assert response.status_code == 200, name
    html = {name: response.content.decode() for name, response in pages.items()}
    html["sign-in"] = Client().get(reverse("login")).content.decode()
    html["500"] = render_to_string("500.html")
    return html


def test_no_debtor_page_waits_for_a_script(debtor_client, account):
    seen: set[str] = set()
    for name, html in _debtor_pages(debtor_client, account).items():
        for script in tags_of(html).scripts:
            assert script.get("src"), f"{name}: a script with code in the page"
            assert "defer" in script or "async" in script or script.get("type") == "module", (
                f"{name}: {script['src']} holds up the page"
            )
            seen.add(script.get("src") or "")
    # The menu's script, the sending button's, the session warning's and each form's own.
    # (The menu's, the sending button's and the room left's are one file: portal.js.)
    assert {"/static/js/portal.js", "/static/js/session-timeout.js"} <= seen
    assert "/static/js/request-preview.js" in seen
    assert not any("bootstrap" in src for src in seen)


def test_the_staff_sites_own_scripts_wait_for_the_page(specialist):
    # Django's admin scripts are the admin's; ours (the session warning) must not block.
    client = staff_client(specialist)
    html = client.get(reverse("admin:index")).content.decode()
    ours = [s for s in tags_of(html).scripts if (s.get("src") or "").startswith("/static/js/")]
    assert ours
    assert all("defer" in script for script in ours)


def test_the_script_check_sees_a_blocking_script():
    tags = tags_of('<script src="/a.js"></script><script src="/b.js" defer></script>')
    assert ["defer" in s for s in tags.scripts] == [False, True]


@pytest.mark.parametrize("who", ["debtor", "staff", "signed out"])
def test_every_page_names_the_favicon(who, debtor_client, specialist):
    if who == "debtor":
        html = debtor_client.get(reverse("negotiation:dashboard")).content.decode()
    elif who == "staff":
        html = staff_client(specialist).get(reverse("admin:index")).content.decode()
    else:
        html = Client().get(reverse("login")).content.decode()
    icons = {link["href"] for link in tags_of(html).links if link.get("rel") == "icon"}
    assert icons == {"/favicon.ico", "/static/img/favicon.svg"}


def test_the_favicon_is_served():
    client = Client()
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico["Content-Type"] == "image/x-icon"
    assert b"".join(ico.streaming_content)[:4] == b"\x00\x00\x01\x00"  # type: ignore[attr-defined]
    svg = client.get("/static/img/favicon.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(svg.streaming_content)  # type: ignore[attr-defined]
    touch = client.get("/static/img/apple-touch-icon.png")
    assert touch.status_code == 200
    assert touch["Content-Type"] == "image/png"


def test_every_page_is_sent_gzip_compressed_to_a_browser_that_accepts_it(debtor_client):
    # The HTML is a third of what a first visit sends; compressed it is a fraction of it.
    url = reverse("negotiation:dashboard")
    plain = debtor_client.get(url)
    squeezed = debtor_client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert squeezed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in squeezed["Vary"]
    body = gzip.decompress(squeezed.content).decode()
    assert "<main" in body
    assert len(squeezed.content) < len(plain.content) / 2


def test_two_compressed_copies_of_one_page_differ_in_length_or_bytes(debtor_client):
    # Django's GZipMiddleware pads each response with random bytes, so a page that carries a
    # secret does not compress to the same length twice (BREACH; docs/SECURITY.md).
    url = reverse("negotiation:dashboard")
    copies = {debtor_client.get(url, HTTP_ACCEPT_ENCODING="gzip").content for _ in range(4)}
    assert len(copies) > 1


def test_a_static_file_keeps_its_own_precompressed_copy(production_static):
    # WhiteNoise answers before GZipMiddleware: the Brotli copy collectstatic wrote, not a
    # second compression on each request.
    url = staticfiles_storage.url("css/portal.css")
    response = Client().get(url, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response["Content-Encoding"] == "br"


def test_no_page_head_waits_for_the_session_warnings_stylesheet(debtor_client, specialist):
    # It is only needed when its script runs (the dialog, the restored note): the script asks
    # for it, so the page's first paint does not wait for one more file.
    for html in (
        debtor_client.get(reverse("negotiation:dashboard")).content.decode(),
        staff_client(specialist).get(reverse("admin:index")).content.decode(),
    ):
        sheets = [link["href"] for link in tags_of(html).links if link.get("rel") == "stylesheet"]
        assert not any("session-timeout" in (href or "") for href in sheets)
        preloaded = [link["href"] for link in tags_of(html).links if link.get("rel") == "preload"]
        assert "/static/css/session-timeout.css" in preloaded  # no extra round trip later
        assert 'data-stylesheet="/static/css/session-timeout.css"' in html
