"""Create the staff groups with their permissions (negotiation.roles.GROUP_PERMISSIONS).

Permissions are normally created after all migrations run; they are created here first so
the groups can be given them in the same migrate.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from negotiation.roles import GROUP_PERMISSIONS


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
