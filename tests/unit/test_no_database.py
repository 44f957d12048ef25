"""The guard of tests/unit/conftest.py at work: each way of asking for the database is
refused before the database is touched (strict: were the guard gone, these would pass or
fail on the database, and the run would fail either way)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import SimpleTestCase, TestCase

from tests.unit.conftest import DatabaseInUnitTest, database_use

refused = pytest.mark.xfail(raises=DatabaseInUnitTest, strict=True, reason="the guard refuses it")


@refused
@pytest.mark.django_db
def test_the_django_db_mark_is_refused():
    pass


@refused
def test_the_db_fixture_is_refused(db):
    pass


@refused
def test_a_fixture_built_on_the_database_is_refused(debtor):
    pass


def test_a_pure_test_passes_the_guard(request):
    assert database_use(request.node) is None


def test_the_guard_says_how_a_test_asks(request):
    def item(fixtures=(), mark=None, cls=None):
        return SimpleNamespace(
            fixturenames=[*request.node.fixturenames, *fixtures],
            get_closest_marker=lambda name: mark if name == "django_db" else None,
            cls=cls,
        )

    assert database_use(item(mark=pytest.mark.django_db)) == "the django_db mark"
    assert database_use(item(["transactional_db"])) == "the fixtures transactional_db"
    assert database_use(item(["live_server"])) == "the fixtures live_server"
    assert database_use(item(cls=TestCase)) == "TestCase, a Django test case"
    assert database_use(item(cls=SimpleTestCase)) is None  # Django's test case without one
