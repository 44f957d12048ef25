"""A notification's event (its ``template``) becomes the NotificationEvent choices, so the
outbox shows each in words. The stored values are the same strings: no row changes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('negotiation', '0019_audit_action_choices'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='template',
            field=models.CharField(choices=[('request.approved', 'Request approved'), ('request.rejected', 'Request not approved'), ('request.needs_info', 'More information asked for'), ('request.counter_offered', 'Counter-offer made'), ('request.awaiting_second_approval', 'Request with a second reviewer'), ('installment.due_soon', 'Payment due soon'), ('installment.overdue', 'Payment not received in full'), ('plan.signature_reminder', 'Plan waiting for a signature'), ('plan.expired', 'Plan expired unsigned'), ('plan.broken', 'Plan ended after missed payments'), ('plan.completed', 'Plan fully paid'), ('payment.received', 'Payment received')], max_length=64),
        ),
    ]
