"""A new version of the "cost" consequence, in force from 4 December 2026: its way out names
an interest freeze (停息挂账) only to a debtor whose account can have one today. The general
advice (pay the minimum, or agree a plan) stays for everyone; the interest freeze's sentence
moves to ``option_text`` with ``option_kind`` = interest_freeze, which the account page says
only when an interest-freeze option is open to the account (delinquency.Consequence.as_told).
The version of 1 December 2026 stays for the record of what was shown before."""

import datetime as dt

from django.db import migrations

EFFECTIVE = dt.date(2026, 12, 4)
KEY = "cost"
SAID = {
    "zh-hans": (
        "按时还上最低还款额，可以避免违约金和逾期状态，但未还清的部分仍会继续计息。您也可以与我们约定"
        "还款计划。",
        "停息挂账期间，计入计划的欠款不再计息，也不再收取违约金。",
    ),
    "en": (
        "Paying the minimum due on time avoids the late-payment charge and the overdue "
        "status, but interest still runs on what is left unpaid. Or agree a plan with us.",
        "Under an interest freeze, the balance in the plan stops earning interest and charges.",
    ),
}


def publish(apps, schema_editor):
    ConsequenceRule = apps.get_model("negotiation", "ConsequenceRule")
    for language, (how_to_avoid, option_text) in SAID.items():
        latest = (
            ConsequenceRule.objects.filter(
                key=KEY, jurisdiction="CN", language=language, effective_from__lt=EFFECTIVE
            )
            .order_by("-effective_from")
            .first()
        )
        if latest is None:
            continue  # a database without the seeded rules: nothing to correct
        ConsequenceRule.objects.get_or_create(
            key=KEY,
            jurisdiction="CN",
            language=language,
            effective_from=EFFECTIVE,
            defaults={
                "position": latest.position,
                "from_day": latest.from_day,
                "date_is_earliest": latest.date_is_earliest,
                "min_principal": latest.min_principal,
                "min_notices": latest.min_notices,
                "min_notice_gap_days": latest.min_notice_gap_days,
                "months_after_second_notice": latest.months_after_second_notice,
                "title": latest.title,
                "body": latest.body,
                "how_to_avoid": how_to_avoid,
                "option_kind": "interest_freeze",
                "option_text": option_text,
                "legal_basis": latest.legal_basis,
            },
        )


def withdraw(apps, schema_editor):
    ConsequenceRule = apps.get_model("negotiation", "ConsequenceRule")
    ConsequenceRule.objects.filter(key=KEY, jurisdiction="CN", effective_from=EFFECTIVE).delete()


class Migration(migrations.Migration):
    dependencies = [("negotiation", "0068_consequence_options")]

    operations = [migrations.RunPython(publish, withdraw)]
