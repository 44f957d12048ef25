"""Create the staff groups with the permissions they had when this migration was written.

A frozen copy, not an import of negotiation.roles: later models bring permissions this
migration's state does not have. After every migrate, apps.NegotiationConfig brings the
groups up to date with roles.GROUP_PERMISSIONS.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

_READ_CASES = [
    "view_debtor",
    "view_creditaccount",
    "view_payment",
    "view_program",
    "view_reliefrequest",
    "view_offer",
    "view_repaymentplan",
    "view_installment",
]
GROUP_PERMISSIONS = {
    "Negotiation specialists": [*_READ_CASES, "review_reliefrequest", "decide_reliefrequest"],
    "Supervisors": [
        *_READ_CASES,
        "review_reliefrequest",
        "decide_reliefrequest",
        "second_approve_reliefrequest",
        "add_program",
        "change_program",
        "view_auditevent",
        "read_audit_trail",
    ],
    "Bank staff": [
        "view_debtor",
        "add_debtor",
        "change_debtor",
        "view_creditaccount",
        "add_creditaccount",
        "change_creditaccount",
        "view_payment",
        "view_program",
    ],
    "Compliance": [*_READ_CASES, "view_auditevent", "read_audit_trail"],
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="negotiation", codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Unknown permissions for {name}: {sorted(missing)}")
        group.permissions.set(permissions)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUP_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("negotiation", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
