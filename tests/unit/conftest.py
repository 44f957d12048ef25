"""tests/unit holds the tests of the pure modules, and nothing here may use the database:
the package runs in seconds on a machine without a database server. pytest-django already
refuses a query from a test that did not ask for the database; the guard below refuses the
asking itself (the ``django_db`` mark, a fixture built on the database such as ``db`` or
``debtor``, a Django test case), before anything is set up, with where to move the test.
tests/unit/test_no_database.py shows that it does."""

from __future__ import annotations

import pytest
from django.test import TransactionTestCase

# pytest-django's fixtures that open the test database; any fixture built on the database
# (conftest's ``debtor``, ``account``...) has one of them among the fixtures it closes over.
DATABASE_FIXTURES = frozenset(
    {
        "_django_db_helper",
        "db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
        "transactional_db",
    }
)


class DatabaseInUnitTest(Exception):
    """A test in tests/unit asked for the database."""


def database_use(item: pytest.Item) -> str | None:
    """How ``item`` asks for the database, or None if it does not."""
    if item.get_closest_marker("django_db") is not None:
        return "the django_db mark"
    fixtures = sorted(DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())))
    if fixtures:
        return "the fixtures " + ", ".join(fixtures)
    test_case = getattr(item, "cls", None)
    if isinstance(test_case, type) and issubclass(test_case, TransactionTestCase):
        return f"{test_case.__name__}, a Django test case"
    return None


# Not tryfirst: the xfail marks of the guard's own tests are read by a tryfirst hook. This
# one still runs before any fixture is set up (pytest's own setup hook was registered
# before this conftest, and hooks run last registered first).
def pytest_runtest_setup(item: pytest.Item) -> None:
    use = database_use(item)
    if use is not None:
        raise DatabaseInUnitTest(
            f"{item.nodeid} asks for the database ({use}): tests/unit has none. Move it to "
            "tests/services, tests/web, tests/admin or tests/jobs, or keep it pure."
        )
