"""The bank's repayment channels a fresh installation starts with (staff edit them in the
staff site, Repayment channels). Demo wording: the bank replaces it with its own."""

from django.db import migrations

CHANNELS = [
    {
        "position": 10,
        "name": "The bank's mobile app",
        "name_zh": "本行手机银行",
        "instructions": (
            "In the app, choose Credit card, then Repay, pick the card {card} and pay the "
            "amount. The payment reaches the card the same day."
        ),
        "instructions_zh": "在手机银行中选择“信用卡”→“还款”，选择卡片 {card} 并输入金额。当天到账。",
    },
    {
        "position": 20,
        "name": "At a branch counter",
        "name_zh": "到本行网点柜台",
        "instructions": (
            "Tell the teller you are repaying the card {card} and quote the reference "
            "{reference}. Please bring your resident identity card."
        ),
        "instructions_zh": "请告诉柜员您要偿还卡片 {card}，并提供参考号 {reference}。请携带您的居民身份证。",
    },
    {
        "position": 30,
        "name": "Bank transfer",
        "name_zh": "银行转账",
        "instructions": (
            "Transfer to the card {card} itself, and write {reference} in the transfer's note "
            "so we match the payment to this account. From another bank it can take 1 to 2 "
            "business days. The bank never asks you to pay into a personal account or "
            "through an intermediary."
        ),
        "instructions_zh": (
            "请直接转账至卡片 {card}，并在转账附言中填写 {reference}，以便我们将款项匹配到该账户。"
            "跨行转账可能需要 1 至 2 个工作日。本行绝不会要求您向个人账户或通过中介机构付款。"
        ),
    },
]


def seed(apps, schema_editor):
    channel = apps.get_model("negotiation", "RepaymentChannel")
    if not channel.objects.exists():
        channel.objects.bulk_create(channel(**values) for values in CHANNELS)


class Migration(migrations.Migration):
    dependencies = [("negotiation", "0048_repayment_channels")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
