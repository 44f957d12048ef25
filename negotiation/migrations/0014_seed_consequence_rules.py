"""The consequences of arrears in China (DOMAIN.md, "What happens if arrears are not
resolved"), in Simplified Chinese and English, as the first version of each rule. Content:
supervisors and compliance publish new versions in the admin."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

EFFECTIVE = dt.date(2026, 1, 1)

LEGAL_CARD = "信用卡领用合约；《商业银行信用卡业务监督管理办法》"
LEGAL_CREDIT = "《征信业管理条例》第十六条、第十七条、第二十五条"
LEGAL_CLASS = "信用卡领用合约；本行政策（贷款风险分类）"
LEGAL_SUIT = "《中华人民共和国民事诉讼法》；信用卡领用合约"
LEGAL_LIST = (
    "《最高人民法院关于公布失信被执行人名单信息的若干规定》；"
    "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》"
)
LEGAL_CRIME = (
    "《中华人民共和国刑法》第一百九十六条；最高人民法院、最高人民检察院"
    "《关于办理妨害信用卡管理刑事案件具体应用法律若干问题的解释》（2018年修正）"
)

CRIMINAL_CONDITIONS = {
    "min_principal": Decimal("50000.00"),
    "min_notices": 2,
    "min_notice_gap_days": 30,
    "months_after_second_notice": 3,
}

RULES = [
    # key, position, from_day, conditions, {language: (title, body, how_to_avoid, legal basis)}
    (
        "cost",
        10,
        1,
        {},
        {
            "zh-hans": (
                "利息和违约金会增加",
                "逾期期间，欠款会按信用卡领用合约继续计息，并按约定收取违约金；新消费的免息期也会失去。",
                "按时还上最低还款额，或与我们约定还款计划：停息挂账期间，计入计划的欠款不再计息，也不再收取违约金。",
                LEGAL_CARD,
            ),
            "en": (
                "Interest and a late-payment charge are added",
                "While a payment is overdue, interest keeps running on the balance and a "
                "late-payment charge is added as the card agreement sets out. New purchases "
                "lose their interest-free period.",
                "Pay the minimum due, or agree a plan with us: under an interest freeze, the "
                "balance in the plan stops earning interest and charges.",
                "Card agreement; " + LEGAL_CARD.split("；")[1]
                + " (Measures on the Supervision and Administration of Credit Card Business)",
            ),
        },
    ),
    (
        "credit_record",
        20,
        31,
        {},
        {
            "zh-hans": (
                "逾期记录会进入您的信用报告",
                "逾期情况会报送中国人民银行征信中心。不良信息自不良行为终止之日起保存5年，期满后删除。"
                "还款计划不会删除已有的记录；欠款还清后开始计算这5年。",
                "约定还款计划并按时履行：逾期越早结束，5年期限越早开始。您每年可以免费查询两次本人信用报告，"
                "发现错误可以提出异议（见“您的权利”）。",
                LEGAL_CREDIT,
            ),
            "en": (
                "The late payments appear in your credit record",
                "Overdue payments are reported to the credit reference center of the People's "
                "Bank of China. A negative record is kept for 5 years from the day the overdue "
                "payments end, and then deleted. A plan does not remove entries that are "
                "already there; settling the debt starts the 5 years.",
                "Agree a plan and keep to it: the sooner the arrears end, the sooner the 5 "
                "years start. You can see your credit report free of charge twice a year and "
                "dispute anything wrong in it (see Your rights).",
                LEGAL_CREDIT + " (Regulation on the Administration of Credit Reporting, "
                "Art. 16, 17, 25)",
            ),
        },
    ),
    (
        "card_measures",
        30,
        91,
        {},
        {
            "zh-hans": (
                "欠款被列为不良，信用卡可能被冻结或注销",
                "逾期约90天后，本行会将欠款列为不良贷款。根据本行政策，信用卡届时可能被冻结或注销。",
                "在此之前约定还款计划，账户即处于还款安排之中。即使已过这一日期，还款计划仍然是了结欠款、"
                "避免进一步措施的办法。",
                LEGAL_CLASS,
            ),
            "en": (
                "The debt is classified as non-performing; the card may be frozen or cancelled",
                "After about 90 days overdue, the bank classifies the debt as non-performing. "
                "Under the bank's policy the card may then be frozen or cancelled.",
                "A plan agreed before then puts the account under a repayment arrangement. Even "
                "after that date, a plan is the way to settle the debt without further steps.",
                "Card agreement; the bank's policy (risk classification of loans)",
            ),
        },
    ),
    (
        "lawsuit",
        40,
        180,
        {},
        {
            "zh-hans": (
                "本行可能向法院起诉",
                "如果逾期持续，本行可能提起诉讼，要求偿还本金、利息和相关费用。法院的判决可以对银行账户、"
                "工资和财产强制执行。这里的天数是本行的通常做法，并非法定期限。",
                "在此之前约定还款计划并按时履行，就不会走到这一步。即使已经收到起诉的通知，您仍然可以联系我们"
                "约定还款计划。",
                LEGAL_SUIT,
            ),
            "en": (
                "The bank may go to court",
                "If the arrears continue, the bank may sue for the principal, interest and "
                "costs. A court judgment can be enforced against bank accounts, wages and "
                "property. The day shown is the bank's usual practice, not a legal deadline.",
                "A plan agreed before then, and kept to, means it does not come to this. Even "
                "if you have been told of a lawsuit, you can still contact us to agree a plan.",
                "Civil Procedure Law of the PRC; card agreement",
            ),
        },
    ),
    (
        "enforcement_list",
        50,
        None,
        {},
        {
            "zh-hans": (
                "列入失信被执行人名单（仅在法院判决之后）",
                "只有在法院作出判决后，有能力履行的人拒不履行或逃避执行时，才会被列入名单。被列入名单的人"
                "不能乘坐飞机、列车软卧、高铁和其他动车组一等座以上座位，不能入住星级宾馆、购买房产或非经营必需"
                "的车辆、旅游度假，子女不能就读高收费私立学校。全部履行后即从名单中删除。",
                "仅仅逾期绝不会导致这一后果。按时履行还款计划，或履行法院的判决，就可以避免。",
                LEGAL_LIST,
            ),
            "en": (
                "Listing as a dishonest judgment debtor (only after a court judgment)",
                "This happens only if a court has ruled and a person who is able to pay "
                "refuses to comply or evades enforcement. A listed person may not fly, take "
                "soft sleepers or first class on high-speed trains, stay in star-rated hotels, "
                "buy property or non-essential cars, go on holiday, or send children to "
                "high-fee private schools. The listing ends once the judgment is fully "
                "performed.",
                "Arrears alone never lead to it. Keeping to a plan, or to what a court "
                "decided, avoids it.",
                "SPC Provisions on Publishing the List of Dishonest Judgment Debtors; SPC "
                "Provisions on Restricting High Consumption by Judgment Debtors",
            ),
        },
    ),
    (
        "criminal_liability",
        60,
        None,
        CRIMINAL_CONDITIONS,
        {
            "zh-hans": (
                "法律关于恶意透支的规定",
                "法律只有在以下条件全部具备时，才把不还款作为犯罪处理：本金（不含利息和费用）达到5万元以上；"
                "银行两次发出催收通知、间隔至少30日，并且您已收到；在第二次催收后超过3个月仍未归还；并且具有"
                "非法占有的目的——这一点绝不能仅凭未还款来推定。本账户目前已符合其中前三项客观条件。我们告诉您"
                "这些，是为了让您清楚自己的处境，而不是威胁您。",
                "在提起公诉前全额还款的，可以不追究刑事责任；约定还款计划并按时履行，表明您有还款的意愿。"
                "请今天就联系我们或提出申请：我们希望与您约定一个还款计划。",
                LEGAL_CRIME,
            ),
            "en": (
                "What the law says about malicious overdraft",
                "The law treats non-payment as a crime only when all of these hold: the "
                "principal alone (without interest and fees) is ¥50,000 or more; the bank has "
                "sent two collection notices at least 30 days apart and you received them; the "
                "debt has stayed unpaid for more than 3 months after the second; and there is "
                "an intent to take the money unlawfully, which is never inferred from "
                "non-payment alone. This account now meets the first three, objective, "
                "conditions. We tell you so that you know where you stand, not to threaten you.",
                "Paying in full before any prosecution can avoid criminal liability, and "
                "keeping to an agreed plan shows that you intend to pay. Please contact us or "
                "make a request today: we want to agree a plan with you.",
                "Criminal Law of the PRC, Art. 196; SPC and SPP Interpretation on Credit Card "
                "Crimes (amended 2018)",
            ),
        },
    ),
]


def seed(apps, schema_editor):
    ConsequenceRule = apps.get_model("negotiation", "ConsequenceRule")
    for key, position, from_day, conditions, texts in RULES:
        for language, (title, body, how_to_avoid, legal_basis) in texts.items():
            ConsequenceRule.objects.get_or_create(
                key=key,
                jurisdiction="CN",
                language=language,
                effective_from=EFFECTIVE,
                defaults={
                    "position": position,
                    "from_day": from_day,
                    "title": title,
                    "body": body,
                    "how_to_avoid": how_to_avoid,
                    "legal_basis": legal_basis,
                    **conditions,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("negotiation", "0013_consequences_and_notices")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
