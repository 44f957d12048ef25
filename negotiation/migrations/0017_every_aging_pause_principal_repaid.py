"""Every agreed pause is kept (AgingPause) instead of the last one only; each payment keeps
the part its ledger applied to principal (payments recorded before have 0 there, so the
law's principal counts all of them as repaid principal: never more than the truth); content
can say a date is the earliest (bank practice)."""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


def keep_each_pause(apps, schema_editor):
    """The one pause an account could hold becomes its first AgingPause row."""
    CreditAccount = apps.get_model("negotiation", "CreditAccount")
    AgingPause = apps.get_model("negotiation", "AgingPause")
    paused = CreditAccount.objects.filter(
        aging_paused_from__isnull=False, aging_paused_until__isnull=False
    )
    AgingPause.objects.bulk_create(
        AgingPause(account=a, first_day=a.aging_paused_from, last_day=a.aging_paused_until)
        for a in paused
        if a.aging_paused_until >= a.aging_paused_from
    )


class Migration(migrations.Migration):

    dependencies = [
        ('negotiation', '0016_legal_cap_with_payment_free_months'),
    ]

    operations = [
        migrations.CreateModel(
            name='AgingPause',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_day', models.DateField(verbose_name='first day')),
                ('last_day', models.DateField(verbose_name='last day')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'aging pause',
                'verbose_name_plural': 'aging pauses',
                'ordering': ['account', 'first_day'],
            },
        ),
        migrations.AddField(
            model_name='consequencerule',
            name='date_is_earliest',
            field=models.BooleanField(default=False, help_text="Tick when the day follows the bank's practice rather than a law.", verbose_name='the date is the earliest, not a fixed date'),
        ),
        migrations.AddField(
            model_name='payment',
            name='principal_repaid',
            field=models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=14, verbose_name='applied to principal'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(('principal_repaid__gte', 0), ('principal_repaid__lte', models.F('amount'))), name='payment_principal_part_within_amount'),
        ),
        migrations.AddField(
            model_name='agingpause',
            name='account',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='aging_pauses', to='negotiation.creditaccount'),
        ),
        migrations.AddField(
            model_name='agingpause',
            name='plan',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='aging_pauses', to='negotiation.repaymentplan'),
        ),
        migrations.AddIndex(
            model_name='agingpause',
            index=models.Index(fields=['account', 'first_day'], name='negotiation_account_e9253d_idx'),
        ),
        migrations.AddConstraint(
            model_name='agingpause',
            constraint=models.CheckConstraint(condition=models.Q(('last_day__gte', models.F('first_day'))), name='aging_pause_days_ordered'),
        ),
        migrations.RunPython(keep_each_pause, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='creditaccount',
            name='aging_paused_from',
        ),
        migrations.RemoveField(
            model_name='creditaccount',
            name='aging_paused_until',
        ),
    ]
