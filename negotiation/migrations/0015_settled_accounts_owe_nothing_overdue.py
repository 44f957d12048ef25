"""Accounts settled before transition_account cleared it still had an oldest unpaid due
date, so their pages counted days overdue on nothing owed."""

from django.db import migrations


def clear(apps, schema_editor):
    CreditAccount = apps.get_model("negotiation", "CreditAccount")
    CreditAccount.objects.filter(status="settled").update(
        oldest_unpaid_due_date=None,
        aging_paused_from=None,
        aging_paused_until=None,
        days_past_due_stored=0,
        stage_stored="current",
    )


class Migration(migrations.Migration):
    dependencies = [("negotiation", "0014_seed_consequence_rules")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
