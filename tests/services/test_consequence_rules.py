"""The consequence rules as content: seeded in both languages with their legal basis, and
versioned by effective date (a new version supersedes the old from its date; the old
stays). The pure timeline they feed is tested in tests/unit/test_timeline.py."""

from __future__ import annotations

import datetime as dt

import pytest

from negotiation.delinquency import Consequence
from tests.unit.test_timeline import CRIMINAL, RULES


@pytest.mark.django_db
def test_the_chinese_rules_are_seeded_in_both_languages_with_their_legal_basis():
    from negotiation.models import ConsequenceRule

    for language in ("zh-hans", "en"):
        rules = ConsequenceRule.objects.filter(language=language, jurisdiction="CN")
        assert set(rules.values_list("key", flat=True)) == {r.key for r in RULES}
        assert all(r.legal_basis and r.how_to_avoid for r in rules)
    for criminal in ConsequenceRule.objects.filter(key="criminal_liability"):
        assert criminal.as_consequence().conditions == CRIMINAL


@pytest.mark.django_db
def test_a_new_version_supersedes_the_old_from_its_date_and_the_old_stays():
    from negotiation.models import ConsequenceRule
    from negotiation.selectors.arrears import consequences_for

    old = ConsequenceRule.objects.filter(key="lawsuit", language="en").latest("effective_from")
    ConsequenceRule.objects.create(
        key="lawsuit",
        position=old.position,
        jurisdiction="CN",
        language="en",
        from_day=240,
        title="The bank may go to court (new wording)",
        body=old.body,
        how_to_avoid=old.how_to_avoid,
        legal_basis=old.legal_basis,
        effective_from=dt.date(2027, 3, 1),
    )

    def lawsuit_on(day: dt.date) -> Consequence:
        return next(c for c in consequences_for("en", day) if c.key == "lawsuit")

    assert lawsuit_on(dt.date(2027, 2, 28)).from_day == 180
    assert lawsuit_on(dt.date(2027, 3, 1)).from_day == 240
    assert ConsequenceRule.objects.filter(key="lawsuit", language="en").count() == 3
    assert next(c.key for c in consequences_for("zh-hans", dt.date(2027, 3, 1))) == "cost"
