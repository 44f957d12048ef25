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

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

from negotiation import roles
from negotiation.models import AUDIT_KEYS, AuditAction, AuditEvent, NotificationEvent
from tests.conftest import audit_keys_outside_the_table

ROOT = Path(__file__).resolve().parent.parent
NEGOTIATION = ROOT / "negotiation"
STATUS_ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
# The transition services: the only code allowed to change a status.
ALLOWED = {
    ROOT / "negotiation" / "services" / "requests.py",
    ROOT / "negotiation" / "services" / "plans.py",
    ROOT / "negotiation" / "services" / "following.py",  # installments: overdue, plans: broken
    ROOT / "negotiation" / "services" / "imports.py",  # an import run's own outcome
    ROOT / "negotiation" / "services" / "accounts.py",
    ROOT / "negotiation" / "services" / "notifications.py",
    ROOT / "negotiation" / "services" / "payments.py",  # installments: paid as allocated
    # the same, set-based, for a whole payments file (plans read by their status in its SQL)
    ROOT / "negotiation" / "services" / "payments_bulk.py",
    ROOT / "negotiation" / "services" / "promises.py",  # promises to pay: kept or broken
    # changes of a signed plan: signed, given up, expired; requests for another change answered
    ROOT / "negotiation" / "services" / "planchanges.py",
    ROOT / "negotiation" / "services" / "mandates.py",  # automatic repayment: cancelled, ended
    ROOT / "negotiation" / "services" / "intents.py",  # online payments: confirmed, failed, expired
    ROOT / "negotiation" / "services" / "disputes.py",  # disputes: extended, upheld, rejected
    ROOT / "negotiation" / "services" / "callbacks.py",  # call backs: made, missed, cancelled
    ROOT / "negotiation" / "services" / "support.py",  # extra support: said, withdrawn, dismissed
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
    NEGOTIATION / "phones.py",
    NEGOTIATION / "contactrules.py",
    NEGOTIATION / "callbackslots.py",
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
        "_keep",  # consent_given_at: the moment the debtor consents, as evidence
    },
    "negotiation/services/imports.py": {
        "_finish",  # finished_at: the moment the run ends, for the staff's report
        "run_stored_import",  # finished_at of a run refused or failed as a whole
    },
    "negotiation/services/notifications.py": {
        "notify_debtor",  # email and SMS scheduled from now, within contact hours
        "deliver_notification",  # now=None: the moment the worker delivers
        "send_again",  # back in the outbox from the moment staff ask
        "mark_read",  # read_at: the moment the debtor opens the inbox
    },
    "negotiation/services/payments_bulk.py": {
        "_write_batch",  # the moment a batch is written: its payments', receipts' and audit rows'
    },
    "negotiation/services/onboarding.py": {
        "_finish_invitations",  # when a round of invitations ended (it takes a while)
    },
    "negotiation/services/requests.py": {
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
# What may write outside the services, call by call, and why: nothing.
WRITES_ALLOWED: dict[str, set[str]] = {}


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

# Where a function may import from the project, and what: nowhere (apps.py's hooks aside).
LOCAL_IMPORTS_ALLOWED: dict[str, set[str]] = {}


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


def _audit_actions(node: ast.expr | None) -> list[str] | None:
    """The AuditAction members an ``action=`` argument names, or None if it is anything
    else (a string, a variable): ``AuditAction.X``, or a choice between two such."""
    if isinstance(node, ast.IfExp):
        body, orelse = _audit_actions(node.body), _audit_actions(node.orelse)
        return None if body is None or orelse is None else body + orelse
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "AuditAction"
    ):
        return [node.attr]
    return None


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def record_event_actions(source: str) -> tuple[set[str], list[str]]:
    """The AuditAction members that ``record_event`` (and ``record_sign_in_event``) calls in
    ``source`` name, and the calls whose ``action`` is not a member (line and code)."""
    used: set[str] = set()
    offenders = []
    tree = ast.parse(source)
    for call in _calls(tree, "record_event") + _calls(tree, "record_sign_in_event"):
        action = next((k.value for k in call.keywords if k.arg == "action"), None)
        members = _audit_actions(action)
        if members is None:
            offenders.append(f"{call.lineno}: {ast.unparse(call)}")
        else:
            used.update(members)
    return used, offenders


def _negotiation_sources() -> list[Path]:
    return [path for path in (ROOT / "negotiation").rglob("*.py") if "migrations" not in path.parts]


def test_every_audit_row_names_its_action_by_a_member_and_every_member_is_used():
    used: set[str] = set()
    offenders = []
    for path in _negotiation_sources():
        found, wrong = record_event_actions(path.read_text())
        used |= found
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in wrong]
    assert offenders == []
    assert used == set(AuditAction.names)  # no misspelt member, and no dead action


def test_the_audit_action_check_can_fail():
    literal = "record_event(plan, actor=None, action='plan.transition')"
    assert record_event_actions(literal) == (set(), [f"1: {literal}"])
    assert record_event_actions("audit.record_event(x, action=name)")[1]
    assert record_event_actions('record_event(x, action=AuditAction.A if c else "b")')[1]
    assert record_event_actions("record_event(x, actor=None)")[1]
    assert record_event_actions(
        "record_event(x, action=AuditAction.PLAN_CREATED if c else AuditAction.PLAN_TRANSITION)"
    ) == ({"PLAN_CREATED", "PLAN_TRANSITION"}, [])


def test_every_audit_action_declares_its_keys():
    assert set(AUDIT_KEYS) == set(AuditAction)


def test_the_audit_key_check_can_fail():
    """tests/conftest.py checks every row the suite writes; a key the table does not list
    for the action is found."""
    assert audit_keys_outside_the_table(
        AuditEvent(action=AuditAction.PLAN_TRANSITION, before={"status": "a"}, after={"to": "b"})
    ) == ["after.to"]
    assert (
        audit_keys_outside_the_table(
            AuditEvent(
                action=AuditAction.PROGRAM_CHANGED,
                object_type="negotiation.program",
                after={"months_max": 18},
            )
        )
        == []
    )


PERMISSION_NAME = re.compile(r"^negotiation\.[a-z][a-z0-9_]*$")  # "negotiation.<codename>"
ROLES = ROOT / "negotiation" / "roles.py"


def permission_literals(source: str) -> list[str]:
    """Permissions named by a string in ``source`` instead of a constant of roles.py: a
    "negotiation.<codename>" string, a string given to has_perm, a codename in a query."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and PERMISSION_NAME.match(node.value)
        ):
            found.append(f"{node.lineno}: {node.value}")
        if (
            isinstance(node, ast.keyword)
            and (node.arg or "").split("__")[-1] == "codename"
            and isinstance(node.value, ast.Constant)
        ):
            found.append(f"{node.value.lineno}: {node.arg}={node.value.value!r}")
    for name in ("has_perm", "has_perms"):
        for call in _calls(tree, name):
            if call.args and isinstance(call.args[0], ast.Constant):
                found.append(f"{call.lineno}: {ast.unparse(call)}")
    return sorted(set(found))


def test_permissions_are_named_only_in_roles():
    offenders = [
        f"{path.relative_to(ROOT)}:{found}"
        for path in _negotiation_sources()
        if path != ROLES
        for found in permission_literals(path.read_text())
    ]
    assert offenders == []


def test_the_permission_check_can_fail():
    assert permission_literals('user.has_perm("negotiation.download_document")') == [
        "1: negotiation.download_document",
        "1: user.has_perm('negotiation.download_document')",
    ]
    assert permission_literals('Q(groups__permissions__codename="review_reliefrequest")')
    assert permission_literals('CONTACT = "negotiation.view_debtor_contact"')
    assert permission_literals('user.has_perm("auth.view_user")')
    assert not permission_literals("user.has_perm(DOWNLOAD_DOCUMENT)")
    assert not permission_literals('Q(codename=codename(REVIEW_RELIEFREQUEST), x="a.b")')
    assert not permission_literals('AUTH_USER_MODEL = "negotiation.User"')


def permission_constants() -> set[str]:
    return {
        value
        for name, value in vars(roles).items()
        if name.isupper() and isinstance(value, str) and PERMISSION_NAME.match(value)
    }


def declared_in_roles() -> set[str]:
    """Every permission roles.py names, "app_label.codename": its constants, the roles'
    rights and every group's."""
    groups = {
        codename if "." in codename else f"negotiation.{codename}"
        for codenames in roles.GROUP_PERMISSIONS.values()
        for codename in codenames
    }
    return permission_constants() | set(roles.ROLE_PERMISSIONS.values()) | groups


@pytest.mark.django_db
def test_every_permission_in_roles_is_one_the_models_declare():
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    assert len(declared_in_roles()) > 40
    assert declared_in_roles() - existing == set()
    # Each right a model declares in its Meta.permissions has its constant.
    custom = {
        codename
        for model in apps.get_app_config("negotiation").get_models()
        for codename, _ in model._meta.permissions
    }
    assert len(custom) == 16
    assert custom <= {roles.codename(permission) for permission in permission_constants()}


def notification_events_sent(source: str) -> set[str]:
    """The NotificationEvent members ``source`` sends: the event given to notify_debtor or
    notify_request_event, and the values of a REQUEST_EVENTS table (status -> event)."""
    tree = ast.parse(source)
    sent = [
        call.args[1]
        for name in ("notify_debtor", "notify_request_event")
        for call in _calls(tree, name)
        if len(call.args) > 1
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign) and isinstance(node.value, ast.Dict):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "REQUEST_EVENTS" for t in targets):
                sent += [value for value in node.value.values if value is not None]
    return {
        node.attr
        for node in sent
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "NotificationEvent"
    }


def test_every_notification_event_is_sent_somewhere():
    sent = set().union(*(notification_events_sent(p.read_text()) for p in _negotiation_sources()))
    assert sent == set(NotificationEvent.names)  # no dead event, no misspelt one


def test_the_notification_event_check_can_fail():
    assert notification_events_sent("notify_debtor(d, NotificationEvent.PLAN_BROKEN, key=k)") == {
        "PLAN_BROKEN"
    }
    assert notification_events_sent('notify_debtor(d, "plan.broken", key=k)') == set()
    assert notification_events_sent(
        "REQUEST_EVENTS: dict[str, E] = {S.A: NotificationEvent.REQUEST_APPROVED}"
    ) == {"REQUEST_APPROVED"}
    assert notification_events_sent("REMINDERS = {NotificationEvent.PLAN_BROKEN}") == set()
