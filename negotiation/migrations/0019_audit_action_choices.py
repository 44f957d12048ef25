"""The audit trail's actions become the AuditAction choices, so the staff site shows each
in words. The stored values are the same strings: no row changes."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('negotiation', '0018_consequence_content_corrected'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('account.transition', 'Account status changed'), ('account.aging_paused', 'Account aging paused'), ('account.aging_pause_ended', 'Account aging pause ended'), ('approval_limit.created', 'Approval limit set'), ('approval_limit.changed', 'Approval limit changed'), ('consequence_rule.published', 'Consequence rule published'), ('consequence_rule.changed', 'Consequence rule corrected'), ('document.uploaded', 'Document uploaded'), ('document.downloaded', 'Document downloaded'), ('notice.recorded', 'Collection notice recorded'), ('notice.updated', 'Collection notice updated'), ('notification.sent_again', 'Message sent again'), ('offer.made', 'Counter-offer made'), ('offer.settled', 'Offer closed'), ('payment.recorded', 'Payment recorded'), ('plan.created', 'Plan created'), ('plan.transition', 'Plan status changed'), ('plan.agreement_stored', 'Signed agreement stored'), ('plan.agreement_read', 'Agreement read by staff'), ('program.created', 'Program created'), ('program.changed', 'Program changed'), ('request.submitted', 'Request submitted'), ('request.transition', 'Request status changed'), ('request.assigned', 'Request assigned'), ('request.escalated', 'Request escalated to supervisors')], max_length=64, verbose_name='action'),
        ),
    ]
