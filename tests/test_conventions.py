"""House rules that a grep can check (STYLE.md)."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

from negotiation import roles
from negotiation.models import AUDIT_KEYS, AuditAction, AuditEvent, NotificationEvent
from tests.conftest import audit_keys_outside_the_table

ROOT = Path(__file__).resolve().parent.parent
STATUS_ASSIGNMENT = re.compile(r"\.status\s*=(?!=)")
# The transition services: the only code allowed to change a status.
ALLOWED = {
    ROOT / "negotiation" / "services" / "requests.py",
    ROOT / "negotiation" / "services" / "plans.py",
    ROOT / "negotiation" / "services" / "following.py",  # installments: overdue, plans: broken
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


PURE_MODULES = [ROOT / "negotiation" / name for name in ("money.py", "delinquency.py", "policy.py")]
ORM_IMPORT = re.compile(r"^\s*(from|import)\s+(django\.db|negotiation\.models)\b", re.M)
TASKS_IMPORT = re.compile(
    r"^\s*(from\s+negotiation(\.tasks)?\s+import\s+.*\btasks\b|from\s+negotiation\.tasks\s+import|import\s+negotiation\.tasks)",
    re.M,
)


def test_pure_modules_import_no_orm():
    offenders = [
        str(path.relative_to(ROOT)) for path in PURE_MODULES if ORM_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_services_never_import_tasks():
    """Services queue tasks by name (queueing.delay_after_commit): tasks import services,
    so the other way round would be a circle."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "negotiation" / "services").rglob("*.py")
        if TASKS_IMPORT.search(path.read_text())
    ]
    assert offenders == []


def test_the_layering_checks_can_fail():
    assert ORM_IMPORT.search("from django.db import models")
    assert ORM_IMPORT.search("    from negotiation.models import Program")
    assert not ORM_IMPORT.search("from django.utils.translation import gettext as _")
    assert TASKS_IMPORT.search("    from negotiation.tasks import send_notification")
    assert TASKS_IMPORT.search("from negotiation import tasks")
    assert TASKS_IMPORT.search("import negotiation.tasks")
    assert not TASKS_IMPORT.search("delay_after_commit(SEND_NOTIFICATION, 1)")


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
    """The AuditAction members that ``record_event`` calls in ``source`` name, and the calls
    whose ``action`` is not a member (line and code)."""
    used: set[str] = set()
    offenders = []
    for call in _calls(ast.parse(source), "record_event"):
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
    assert len(custom) == 7
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
