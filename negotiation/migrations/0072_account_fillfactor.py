from django.db import migrations

# The nightly aging refresh rewrites the row of every account still overdue (its days past
# due grow by one). On pages filled to the brim each new version lands on another page and
# every one of the table's seven indexes gets a new entry; with room left on each page
# (fillfactor 70) PostgreSQL writes it beside the old one (a HOT update: no index entry) and
# prunes the old one on the page. Measured at 1,000,000 accounts (docs/PERFORMANCE.md,
# "Nightly jobs at 1,000,000 accounts"). Existing pages get the room when the table is
# rewritten (VACUUM FULL, in a maintenance window) or as rows move; PostgreSQL only.
SET = "ALTER TABLE negotiation_creditaccount SET (fillfactor = 70)"
RESET = "ALTER TABLE negotiation_creditaccount RESET (fillfactor)"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("negotiation", "0071_aging_changed_on"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(SET), _on_postgresql(RESET), elidable=False),
    ]
