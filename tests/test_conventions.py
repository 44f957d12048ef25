"""House rules that a grep, or the syntax tree, can check (STYLE.md). Each check has a
self-test showing it can fail. The allow-lists name what breaks a rule today, file by
file: they may only shrink (an entry no longer needed fails its check too), so fixing an
offender means deleting its line here."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEGOTIATION = ROOT / "negotiation"
STATUS_ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
# The transition services: the only code allowed to change a status.
ALLOWED = {
    ROOT / "negotiation" / "services" / "requests.py",
    ROOT / "negotiation" / "services" / "plans.py",
    ROOT / "negotiation" / "services" / "accounts.py",
    ROOT / "negotiation" / "services" / "notifications.py",
    ROOT / "negotiation" / "services" / "payments.py",  # installments: paid as allocated
}


def test_only_transition_services_assign_a_status():
    offenders = []
    for path in (ROOT / "negotiation").rglob("*.py"):
        if path in ALLOWED or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if STATUS_ASSIGNMENT.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


BULK_STATUS_UPDATE = re.compile(r"\.update\(\s*status\s*=")
# Bulk status writes: the services, and the generator of synthetic scale-test data, which
# writes consistent states in bulk on purpose (seed_demo --debtors N).
BULK_ALLOWED = {*ALLOWED, ROOT / "negotiation" / "management" / "commands" / "seed_demo.py"}


def test_no_bulk_status_update_outside_the_services():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "negotiation").rglob("*.py")
        if path not in BULK_ALLOWED
        and "migrations" not in path.parts
        and BULK_STATUS_UPDATE.search(path.read_text())
    ]
    assert offenders == []


def test_the_convention_checks_can_fail():
    assert STATUS_ASSIGNMENT.search("request.status = 'approved'")
    assert not STATUS_ASSIGNMENT.search("if request.status == 'approved':")
    assert BULK_STATUS_UPDATE.search("Offer.objects.filter(x=1).update(\n    status='declined')")


def test_no_cdn_anywhere_in_templates():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        assert "https://" not in text, path
        assert "http://" not in text, path


# The syntax tree ------------------------------------------------------------------------


def python_files(*folders: Path) -> list[Path]:
    """The project's modules under ``folders``, migrations aside."""
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def package_of(path: Path) -> str:
    """The package a module's relative imports start from (negotiation.services for
    negotiation/services/plans.py and for negotiation/services/__init__.py)."""
    return ".".join(path.relative_to(ROOT).parent.parts)


@cache
def tree_of(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def walk(node: ast.AST, scope: str = "", in_function: bool = False) -> Iterator[Found]:
    """Every node with the name of its enclosing function or class ("Class.method"; "" at
    module level) and whether a function encloses it."""
    for child in ast.iter_child_nodes(node):
        yield Found(child, scope, in_function)
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{scope}.{child.name}" if scope else child.name
            is_function = in_function or not isinstance(child, ast.ClassDef)
            yield from walk(child, name, is_function)
        else:
            yield from walk(child, scope, in_function)


@dataclass(frozen=True)
class Found:
    node: ast.AST
    scope: str
    in_function: bool


@dataclass(frozen=True)
class Import:
    module: str  # what it brings in, in full: negotiation.models.Program, negotiation.tasks
    scope: str
    in_function: bool
    line: int


def imports_in(tree: ast.Module, package: str) -> list[Import]:
    """Every import, at any depth (inside functions, ``if TYPE_CHECKING:``, ``try:``),
    relative ones resolved: ``from negotiation import tasks`` brings in negotiation.tasks."""
    found = []
    for item in walk(tree):
        node = item.node
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [Import(name, item.scope, item.in_function, node.lineno) for name in names]
    return found


def brings_in(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(f"{package}.") for package in packages)


def shrink_only(found: dict[str, set[str]], allowed: dict[str, set[str]]) -> list[str]:
    """What breaks a rule and is not allowed, and what is allowed but no longer breaks it:
    both fail, so an allow-list only ever shrinks."""
    problems = []
    for path in sorted(found.keys() | allowed.keys()):
        problems += [
            f"{path}: {what}" for what in sorted(found.get(path, set()) - allowed.get(path, set()))
        ]
        problems += [
            f"{path}: {what} is allowed but no longer there: delete its allow-list entry"
            for what in sorted(allowed.get(path, set()) - found.get(path, set()))
        ]
    return problems


def test_the_syntax_tree_helpers_can_fail():
    found = imports_in(
        ast.parse("from . import tasks\nfrom .models import Program\ndef f():\n    import x.y\n"),
        "negotiation",
    )
    assert [(i.module, i.scope, i.in_function) for i in found] == [
        ("negotiation.tasks", "", False),
        ("negotiation.models.Program", "", False),
        ("x.y", "f", True),
    ]
    assert brings_in("negotiation.models.Program", "negotiation.models")
    assert not brings_in("negotiation.modelsx", "negotiation.models")
    assert shrink_only({"a.py": {"f"}}, {}) == ["a.py: f"]
    assert shrink_only({}, {"a.py": {"f"}}) == [
        "a.py: f is allowed but no longer there: delete its allow-list entry"
    ]
    assert shrink_only({"a.py": {"f"}}, {"a.py": {"f"}}) == []


# Layers: the pure modules, services and tasks, selectors and forms -------------------------

# Pure: no database, no Django models, nothing from the project but other pure modules.
PURE_MODULES = [
    NEGOTIATION / "money.py",
    NEGOTIATION / "delinquency.py",
    NEGOTIATION / "policy.py",
    NEGOTIATION / "charts.py",
    *python_files(NEGOTIATION / "imports"),  # the import parsers, once they exist
]
PURE_NAMES = {".".join(path.relative_to(ROOT).with_suffix("").parts) for path in PURE_MODULES}


def orm_imports(tree: ast.Module, package: str) -> list[str]:
    """The ORM a module brings in (django.db, any models module), and any project module
    that is not pure (which may bring in the ORM in turn)."""
    found = []
    for i in imports_in(tree, package):
        module_path = i.module.split(".")
        orm = brings_in(i.module, "django.db") or "models" in module_path
        impure = module_path[0] == "negotiation" and not brings_in(i.module, *PURE_NAMES)
        if orm or impure:
            found.append(i.module)
    return found


def test_pure_modules_import_no_orm():
    offenders = {
        relative(path): orm_imports(tree_of(path), package_of(path)) for path in PURE_MODULES
    }
    assert {path: found for path, found in offenders.items() if found} == {}


TASKS = ("negotiation.tasks",)


def test_services_never_import_tasks():
    """Services queue tasks by name (queueing.delay_after_commit): tasks import services,
    so the other way round would be a circle."""
    offenders = [
        f"{relative(path)}:{i.line}: {i.module}"
        for path in python_files(NEGOTIATION / "services")
        for i in imports_in(tree_of(path), package_of(path))
        if brings_in(i.module, *TASKS)
    ]
    assert offenders == []


def test_selectors_and_forms_never_import_services():
    """Selectors read and forms validate: neither writes, so neither needs a service (what
    services and forms share lives in selectors or policy)."""
    offenders = [
        f"{relative(path)}:{i.line}: {i.module}"
        for path in python_files(NEGOTIATION / "selectors", NEGOTIATION / "forms")
        for i in imports_in(tree_of(path), package_of(path))
        if brings_in(i.module, "negotiation.services")
    ]
    assert offenders == []


def test_the_layering_checks_can_fail():
    def orm(source: str) -> list[str]:
        return orm_imports(ast.parse(source), "negotiation")

    assert orm("from django.db import models") == ["django.db.models"]
    assert orm("def f():\n    from negotiation.models import Program") == [
        "negotiation.models.Program"
    ]
    assert orm("from negotiation import models") == ["negotiation.models"]
    assert orm("from .models import Program") == ["negotiation.models.Program"]
    assert orm("from django_celery_beat.models import PeriodicTask")
    assert orm("from negotiation.selectors.terms import account_facts")  # not pure
    assert orm("from negotiation import money\nfrom django.utils.translation import gettext") == []
    tasks = [
        i.module
        for source in (
            "def f():\n    from negotiation.tasks import send_notification",
            "from negotiation import tasks",
            "import negotiation.tasks",
            "from .. import tasks",
        )
        for i in imports_in(ast.parse(source), "negotiation.services")
        if brings_in(i.module, *TASKS)
    ]
    assert len(tasks) == 4
    services = imports_in(ast.parse("from negotiation.services.offers import x"), "negotiation")
    assert brings_in(services[0].module, "negotiation.services")


# Services take the date and time from their caller -----------------------------------------

# Reading the clock: always for these, and for these two only without a value to convert.
CLOCK = {
    "django.utils.timezone.now",
    "datetime.date.today",
    "datetime.datetime.now",
    "datetime.datetime.today",
    "datetime.datetime.utcnow",
}
CLOCK_WITHOUT_A_VALUE = {"django.utils.timezone.localdate", "django.utils.timezone.localtime"}
# Where a service reads the clock today, function by function, and why. Others are passing
# the moment in from the caller instead; delete an entry when its function no longer reads
# the clock (the check fails until you do).
CLOCK_ALLOWED: dict[str, set[str]] = {
    "negotiation/services/documents.py": {
        "upload_document",  # consent_given_at: the moment the debtor consents, as evidence
    },
    "negotiation/services/notifications.py": {
        "notify_debtor",  # email and SMS scheduled from now, within contact hours
        "deliver_notification",  # now=None: the moment the worker delivers
        "send_again",  # back in the outbox from the moment staff ask
        "mark_read",  # read_at: the moment the debtor opens the inbox
    },
    "negotiation/services/offers.py": {
        "accept_counter_offer",  # the offer's expiry checked against now; decided_at
    },
    "negotiation/services/plans.py": {
        "sign_plan",  # now=None: the moment of the signature, as evidence
    },
    "negotiation/services/requests.py": {
        "submit_request",  # localtime(): the answer's due time counts from the submission
        "approve_locked",  # decided_at of every approval
        "approve_by_policy",  # decided_at of an approval by policy
        "reject_request",  # decided_at of a rejection
        "debtor_replies",  # localtime(): the answer's due time starts again from the reply
    },
}


def import_names(tree: ast.Module) -> dict[str, str]:
    """Each name a module's imports bind, and what it names in full (``dt`` for datetime,
    ``timezone`` for django.utils.timezone, ``now`` for django.utils.timezone.now)."""
    names = {}
    for item in walk(tree):
        node = item.node
        if isinstance(node, ast.Import):
            for alias in node.names:
                head = alias.name.split(".")[0]
                names[alias.asname or head] = alias.name if alias.asname else head
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def clock_reads(tree: ast.Module) -> set[str]:
    """The functions ("" for module level) that read the clock, however the module
    imported it (``import datetime as dt``, ``from django.utils.timezone import now``)."""
    names = import_names(tree)
    found = set()
    for item in walk(tree):
        call = item.node
        if not isinstance(call, ast.Call):
            continue
        head, _, rest = ast.unparse(call.func).partition(".")
        full = names.get(head, head) + (f".{rest}" if rest else "")
        given = call.args or call.keywords
        if full in CLOCK or (full in CLOCK_WITHOUT_A_VALUE and not given):
            found.add(item.scope)
    return found


def test_services_read_the_clock_only_where_allowed():
    found = {
        relative(path): reads
        for path in python_files(NEGOTIATION / "services")
        if (reads := clock_reads(tree_of(path)))
    }
    assert shrink_only(found, CLOCK_ALLOWED) == []


def test_the_clock_check_can_fail():
    def reads(source: str) -> set[str]:
        return clock_reads(ast.parse(source))

    assert reads("from django.utils import timezone\ndef f():\n    timezone.now()") == {"f"}
    assert reads("import datetime as dt\nclass A:\n    def f(self):\n        dt.date.today()") == {
        "A.f"
    }
    assert reads("from datetime import datetime\nX = datetime.now()") == {""}
    assert reads("from django.utils.timezone import now as moment\ndef f():\n    moment()") == {"f"}
    assert reads("from django.utils import timezone\ndef f():\n    timezone.localtime()") == {"f"}
    # Converting a moment the caller gave is not reading the clock.
    assert (
        reads("from django.utils import timezone\ndef f(now):\n    timezone.localdate(now)")
        == set()
    )
    assert reads("def f(today):\n    return today.replace(day=1)") == set()


# Views, forms and the staff site write through the services -----------------------------

WRITES = {
    "save",
    "create",
    "update",
    "delete",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "save_model",  # the admin's default save_model writes the row
    "save_related",
    "save_formset",
    "delete_model",
    "delete_queryset",
}
WRITERS = [NEGOTIATION / "views", NEGOTIATION / "forms", NEGOTIATION / "admin"]
# What writes outside the services today, call by call, and why.
WRITES_ALLOWED: dict[str, set[str]] = {
    "negotiation/admin/accounts.py": {
        # The admin's own save writes the notice, then it is audited: no service records
        # formal notices yet.
        "CollectionNoticeAdmin.save_model: super().save_model",
    },
    "negotiation/admin/content.py": {
        # The admin's own save (or "save as new") writes the rule's version, then it is
        # audited: no service publishes consequence rules yet.
        "ConsequenceRuleAdmin.save_model: super().save_model",
    },
}


def writes_in(tree: ast.Module) -> set[str]:
    """Each call that writes, as "function: call" (``context.update`` on a name bound to a
    dict in the same function is a dict's, and not counted)."""
    dicts: dict[str, set[str]] = {}
    for item in walk(tree):
        node = item.node
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        value = node.value
        if isinstance(value, ast.Dict | ast.DictComp) or (
            isinstance(value, ast.Call) and ast.unparse(value.func) == "dict"
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    dicts.setdefault(item.scope, set()).add(target.id)
    found = set()
    for item in walk(tree):
        call = item.node
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
            continue
        if call.func.attr not in WRITES:
            continue
        receiver = call.func.value
        if isinstance(receiver, ast.Name) and receiver.id in dicts.get(item.scope, set()):
            continue
        found.add(f"{item.scope}: {ast.unparse(call.func)}")
    return found


def test_views_forms_and_the_staff_site_write_through_the_services():
    found = {
        relative(path): writes
        for path in python_files(*WRITERS)
        if (writes := writes_in(tree_of(path)))
    }
    assert shrink_only(found, WRITES_ALLOWED) == []


def test_the_write_check_can_fail():
    def writes(source: str) -> set[str]:
        return writes_in(ast.parse(source))

    assert writes("def v(r):\n    r.save()") == {"v: r.save"}
    assert writes("def v():\n    Program.objects.create(code='x')") == {"v: Program.objects.create"}
    assert writes("def v(qs):\n    qs.filter(a=1).update(status='x')") == {
        "v: qs.filter(a=1).update"
    }
    assert writes("def v(o):\n    o.delete()") == {"v: o.delete"}
    assert writes(
        "class A:\n    def save_model(self, r, o, f, c):\n        super().save_model(r, o, f, c)"
    ) == {"A.save_model: super().save_model"}
    assert writes("def v():\n    context = {}\n    context.update(x=1)") == set()
    assert writes("def v():\n    context: dict = {}\n    context.update(x=1)") == set()
    assert writes("def v(context):\n    context.update(x=1)") == {"v: context.update"}


# No function-local imports of the project -------------------------------------------------

# Where a function imports from the project today, and what. None of these breaks a circle
# (each module could import at the top); delete an entry when its import moves up.
LOCAL_IMPORTS_ALLOWED: dict[str, set[str]] = {
    "negotiation/selectors/workbench.py": {
        "review_picture: negotiation.selectors.terms.approves_alone",
        "review_picture: negotiation.selectors.terms.request_affordability",
    },
    "negotiation/services/accounts.py": {
        "refresh_aging: negotiation.locks.advisory_lock",
    },
    "negotiation/services/agreements.py": {
        "agreed_schedule: negotiation.services.plans.unsaved_installments",
    },
    "negotiation/tasks.py": {
        "escalate_overdue_requests: negotiation.services.requests.escalate_overdue_requests",
        "expire_counter_offers: negotiation.services.offers.expire_counter_offers",
        "follow_plans: negotiation.services.plans.follow_plans",
        "refresh_aging: negotiation.services.accounts.refresh_aging",
        "send_due_notifications: negotiation.services.notifications.send_due_notifications",
        "store_signed_agreement: negotiation.services.agreements.signed_agreement_pdf",
    },
}


def local_project_imports(tree: ast.Module, package: str) -> set[str]:
    return {
        f"{i.scope}: {i.module}"
        for i in imports_in(tree, package)
        if i.in_function and brings_in(i.module, "negotiation", "portal")
    }


def test_no_function_local_imports_of_the_project():
    """Imports at the top say what a module depends on; a function-local one hides it
    (apps.py's ready() and migrations import late by design)."""
    found = {
        relative(path): imports
        for path in python_files(NEGOTIATION, ROOT / "portal")
        if path.name != "apps.py"
        and (imports := local_project_imports(tree_of(path), package_of(path)))
    }
    assert shrink_only(found, LOCAL_IMPORTS_ALLOWED) == []


def test_the_local_import_check_can_fail():
    def local(source: str) -> set[str]:
        return local_project_imports(ast.parse(source), "negotiation.services")

    assert local("def f():\n    from negotiation.models import Program") == {
        "f: negotiation.models.Program"
    }
    assert local("class A:\n    def f(self):\n        import portal.celery") == {
        "A.f: portal.celery"
    }
    assert local("def f():\n    if True:\n        from . import plans") == {
        "f: negotiation.services.plans"
    }
    assert local("def f():\n    import weasyprint") == set()  # not the project's
    assert local("from negotiation.models import Program") == set()  # at the top
    assert (
        local("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import negotiation")
        == set()
    )
