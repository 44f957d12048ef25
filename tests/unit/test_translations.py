"""English and Simplified Chinese are both complete: every string in the source is in the
catalog, translated, with the same placeholders, and the compiled catalog is current. The
pages in Chinese: tests/web/test_translations.py."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "negotiation" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|%%")


def catalog() -> polib.POFile:
    return polib.pofile(str(CATALOG))


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = catalog()
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert "fuzzy" not in po.metadata_as_entry().flags


def test_translations_keep_the_placeholders():
    for entry in catalog().translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == expected, entry.msgid


def test_the_compiled_catalog_matches_the_source_catalog():
    compiled = {
        (e.msgid, e.msgstr)
        for e in polib.mofile(str(CATALOG.with_suffix(".mo")))
        if not e.msgid_plural
    }
    source = {(e.msgid, e.msgstr) for e in catalog().translated_entries() if not e.msgid_plural}
    assert source - compiled == set()


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs gettext (apt-get install gettext)"
)
def test_the_catalog_covers_every_string_in_the_source(tmp_path):
    for name in ("manage.py", "portal", "negotiation", "templates"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
            )
        else:
            shutil.copy(source, tmp_path / name)
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    regenerated = polib.pofile(str(tmp_path / CATALOG.relative_to(ROOT)))
    missing = [e.msgid for e in regenerated if not e.translated() or "fuzzy" in e.flags]
    assert missing == []
