"""When a request closed and when a plan ended, the moments the retention periods count
from. Rows closed before this migration take the time of the audit row of their last move
(nothing moves out of a closed status, so that move closed them); a row with no audit row
starts its clock now: later than the truth, never earlier."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Now


def stamp_closed_rows(apps, schema_editor):
    AuditEvent = apps.get_model("negotiation", "AuditEvent")
    ReliefRequest = apps.get_model("negotiation", "ReliefRequest")
    RepaymentPlan = apps.get_model("negotiation", "RepaymentPlan")

    def last_move(object_type, action):
        return Subquery(
            AuditEvent.objects.filter(
                object_type=object_type, object_id=OuterRef("pk"), action=action
            )
            .order_by("-at", "-id")
            .values("at")[:1]
        )

    ReliefRequest.objects.filter(
        status__in=["rejected", "withdrawn", "expired"], closed_at__isnull=True
    ).update(
        closed_at=Coalesce(last_move("negotiation.reliefrequest", "request.transition"), Now())
    )
    RepaymentPlan.objects.filter(
        status__in=["completed", "broken", "expired"], ended_at__isnull=True
    ).update(ended_at=Coalesce(last_move("negotiation.repaymentplan", "plan.transition"), Now()))


class Migration(migrations.Migration):

    dependencies = [
        ('negotiation', '0040_signing_code_and_seal'),
    ]

    operations = [
        migrations.AddField(
            model_name='reliefrequest',
            name='closed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='closed at'),
        ),
        migrations.AddField(
            model_name='repaymentplan',
            name='ended_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='ended at'),
        ),
        migrations.AddIndex(
            model_name='reliefrequest',
            index=models.Index(fields=['closed_at'], name='request_closed_at'),
        ),
        migrations.AddIndex(
            model_name='repaymentplan',
            index=models.Index(fields=['ended_at'], name='plan_ended_at'),
        ),
        migrations.RunPython(stamp_closed_rows, migrations.RunPython.noop),
    ]
