"""Corrected versions of the consequence rules, in force from 1 December 2026 (the earlier
versions stay for the record of what was shown before):

- the criminal provision as the SPC/SPP interpretation (法释〔2018〕19号) words it: only
  collections made after the overdraft began (Art. 6), principal after every repayment
  counts as principal (Art. 9), and Art. 10's "may decide not to prosecute" / "may waive
  punishment", not for people punished twice or more before;
- the enforcement list: any legally effective instrument, the SPC rules' grounds, and the
  travel restrictions as the rules state them (no seat of any class on G-trains);
- the credit record: the reporting date is bank practice ("at the earliest"), with the
  prior-notice rule of 征信业管理条例 Art. 15 beside Art. 16's five years;
- paying the minimum avoids the late charge and the overdue status but interest still runs;
- the card measures and the lawsuit are bank practice: their dates are the earliest.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

EFFECTIVE = dt.date(2026, 12, 1)

LEGAL_CARD = "信用卡领用合约；《商业银行信用卡业务监督管理办法》"
LEGAL_CARD_EN = (
    "Card agreement; Measures on the Supervision and Administration of Credit Card Business"
)
LEGAL_CREDIT = "《征信业管理条例》第十五条、第十六条、第十七条、第二十五条"
LEGAL_CREDIT_EN = "Regulation on the Administration of Credit Reporting, Art. 15, 16, 17, 25"
LEGAL_CLASS = "信用卡领用合约；本行政策（贷款风险分类）"
LEGAL_CLASS_EN = "Card agreement; the bank's policy (risk classification of loans)"
LEGAL_SUIT = "《中华人民共和国民事诉讼法》；信用卡领用合约"
LEGAL_SUIT_EN = "Civil Procedure Law of the PRC; card agreement"
LEGAL_LIST = (
    "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条、第十条；"
    "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第三条"
)
LEGAL_LIST_EN = (
    "SPC Provisions on Publishing the List of Dishonest Judgment Debtors, Art. 1, 10; SPC "
    "Provisions on Restricting High Consumption by Judgment Debtors, Art. 3"
)
LEGAL_CRIME = (
    "《中华人民共和国刑法》第一百九十六条；《最高人民法院、最高人民检察院关于办理妨害信用卡管理"
    "刑事案件具体应用法律若干问题的解释》（法释〔2018〕19号）第六条、第八条、第九条、第十条"
)
LEGAL_CRIME_EN = (
    "Criminal Law of the PRC, Art. 196; SPC and SPP Interpretation on Credit Card Crimes "
    "(Fa Shi [2018] No. 19), Art. 6, 8, 9, 10"
)

CRIMINAL_CONDITIONS = {
    "min_principal": Decimal("50000.00"),
    "min_notices": 2,
    "min_notice_gap_days": 30,
    "months_after_second_notice": 3,
}

RULES = [
    # key, position, from_day, date_is_earliest, conditions, {language: texts}
    (
        "cost",
        10,
        1,
        False,
        {},
        {
            "zh-hans": (
                "利息和违约金会增加",
                "逾期期间，欠款会按信用卡领用合约继续计息，并按约定收取违约金；新消费的免息期也会失去。",
                "按时还上最低还款额，可以避免违约金和逾期状态，但未还清的部分仍会继续计息。与我们约定"
                "还款计划：停息挂账期间，计入计划的欠款不再计息，也不再收取违约金。",
                LEGAL_CARD,
            ),
            "en": (
                "Interest and a late-payment charge are added",
                "While a payment is overdue, interest keeps running on the balance and a "
                "late-payment charge is added as the card agreement sets out. New purchases "
                "lose their interest-free period.",
                "Paying the minimum due on time avoids the late-payment charge and the overdue "
                "status, but interest still runs on what is left unpaid. Or agree a plan with "
                "us: under an interest freeze, the balance in the plan stops earning interest "
                "and charges.",
                LEGAL_CARD_EN,
            ),
        },
    ),
    (
        "credit_record",
        20,
        31,
        True,
        {},
        {
            "zh-hans": (
                "逾期记录可能进入您的信用报告",
                "本行会将逾期情况报送中国人民银行征信中心。何时报送是本行的做法，并非法定期限，这里显示的"
                "是最早的日期。报送不良信息前，本行应当事先告知您本人。不良信息自不良行为终止之日起保存5年，"
                "期满后删除。还款计划不会删除已有的记录；欠款还清后开始计算这5年。",
                "约定还款计划并按时履行：逾期越早结束，5年期限越早开始。您每年可以免费查询两次本人信用报告，"
                "发现错误可以提出异议（见“您的权利”）。",
                LEGAL_CREDIT,
            ),
            "en": (
                "The late payments may appear in your credit record",
                "The bank reports overdue payments to the credit reference center of the "
                "People's Bank of China. When it does so is the bank's practice, not a legal "
                "deadline: the date shown is the earliest. Before reporting negative "
                "information, the bank must tell you. A negative record is kept for 5 years "
                "from the day the overdue payments end, and then deleted. A plan does not "
                "remove entries that are already there; settling the debt starts the 5 years.",
                "Agree a plan and keep to it: the sooner the arrears end, the sooner the 5 "
                "years start. You can see your credit report free of charge twice a year and "
                "dispute anything wrong in it (see Your rights).",
                LEGAL_CREDIT_EN,
            ),
        },
    ),
    (
        "card_measures",
        30,
        91,
        True,
        {},
        {
            "zh-hans": (
                "欠款可能被列为不良，信用卡可能被冻结或注销",
                "根据本行政策，逾期约90天后，欠款会被列为不良贷款，信用卡届时可能被冻结或注销。这是本行的"
                "政策，并非法定期限，这里显示的是最早的日期。",
                "在此之前约定还款计划，账户即处于还款安排之中。即使已过这一日期，还款计划仍然是了结欠款、"
                "避免进一步措施的办法。",
                LEGAL_CLASS,
            ),
            "en": (
                "The debt may be classified as non-performing; the card may be frozen or "
                "cancelled",
                "Under the bank's policy, after about 90 days overdue the debt is classified "
                "as non-performing, and the card may then be frozen or cancelled. This is the "
                "bank's policy, not a legal deadline: the date shown is the earliest.",
                "A plan agreed before then puts the account under a repayment arrangement. Even "
                "after that date, a plan is the way to settle the debt without further steps.",
                LEGAL_CLASS_EN,
            ),
        },
    ),
    (
        "lawsuit",
        40,
        180,
        True,
        {},
        {
            "zh-hans": (
                "本行可能向法院起诉",
                "如果逾期持续，本行可能提起诉讼，要求偿还本金、利息和相关费用。法院的判决可以对银行账户、"
                "工资和财产强制执行。这里的天数是本行的通常做法，并非法定期限，显示的是最早的日期。",
                "在此之前约定还款计划并按时履行，就不会走到这一步。即使已经收到起诉的通知，您仍然可以联系我们"
                "约定还款计划。",
                LEGAL_SUIT,
            ),
            "en": (
                "The bank may go to court",
                "If the arrears continue, the bank may sue for the principal, interest and "
                "costs. A court judgment can be enforced against bank accounts, wages and "
                "property. The day shown is the bank's usual practice, not a legal deadline: "
                "it is the earliest.",
                "A plan agreed before then, and kept to, means it does not come to this. Even "
                "if you have been told of a lawsuit, you can still contact us to agree a plan.",
                LEGAL_SUIT_EN,
            ),
        },
    ),
    (
        "enforcement_list",
        50,
        None,
        False,
        {},
        {
            "zh-hans": (
                "列入失信被执行人名单（仅在生效法律文书之后）",
                "只有在已有生效法律文书（判决、调解书、支付令或仲裁裁决等）之后，被执行人有以下情形之一的，"
                "才会被列入名单：有履行能力而拒不履行；以伪造证据、暴力、威胁等方法妨碍、抗拒执行；以虚假"
                "诉讼、虚假仲裁或者隐匿、转移财产等方法规避执行；违反财产报告制度；违反限制消费令；无正当"
                "理由拒不履行执行和解协议。被限制消费的人不得乘坐飞机、列车软卧、轮船二等以上舱位，不得乘坐"
                "G字头动车组列车的任何座位和其他动车组列车一等以上座位，不得在星级以上宾馆、酒店消费，不得购买"
                "不动产或非经营必需的车辆，不得旅游、度假，子女不得就读高收费私立学校。全部履行后，即从名单中"
                "删除。",
                "仅仅逾期绝不会导致这一后果。按时履行还款计划，或履行生效法律文书确定的义务，就可以避免。",
                LEGAL_LIST,
            ),
            "en": (
                "Listing as a dishonest judgment debtor (only after a legally effective "
                "decision)",
                "This can happen only after a legally effective instrument (a judgment, a "
                "mediation agreement, a payment order or an arbitral award), and only if the "
                "person: is able to comply but refuses; obstructs or resists enforcement with "
                "false evidence, violence or threats; evades enforcement through sham lawsuits "
                "or arbitration, or by hiding or moving property; breaches the duty to report "
                "their property; breaches an order restricting spending; or refuses without "
                "good reason to honour a settlement reached in enforcement. A person under "
                "these restrictions may not fly, take soft sleepers, travel second class or "
                "above on ships, take any seat on G-series trains or first class or above on "
                "other bullet trains, spend in star-rated hotels, buy property or "
                "non-essential cars, go on holiday, or send children to high-fee private "
                "schools. The listing ends once the obligation is fully performed.",
                "Arrears alone never lead to it. Keeping to a plan, or to what a court or "
                "arbitrator decided, avoids it.",
                LEGAL_LIST_EN,
            ),
        },
    ),
    (
        "criminal_liability",
        60,
        None,
        False,
        CRIMINAL_CONDITIONS,
        {
            "zh-hans": (
                "法律关于恶意透支的规定",
                "法律只有在以下条件全部具备时，才把不归还信用卡欠款作为犯罪处理：在透支超过规定限额或者规定"
                "期限后，银行两次催收、间隔至少30日，并且有证据证明您已收到；经第二次催收后超过3个月仍不归还；"
                "尚未归还的本金达到5万元以上（利息和费用不计算在内，您已归还的每一笔钱都算作归还本金）；并且"
                "具有非法占有的目的——这一点绝不能仅凭未还款来推定。根据本行的记录，本账户目前已符合其中前三项"
                "客观条件。我们告诉您这些，是为了让您清楚自己的处境，而不是威胁您。",
                "在提起公诉前全部归还的，可以不起诉；在一审判决前全部归还的，可以免予刑事处罚；但曾因信用卡"
                "诈骗受过两次以上处罚的除外。与我们约定还款计划并按时履行，您就是在与本行的协议下还款。请今天"
                "就联系我们或提出申请：我们希望与您约定一个还款计划。",
                LEGAL_CRIME,
            ),
            "en": (
                "What the law says about malicious overdraft",
                "The law treats not repaying a card debt as a crime only when all of these "
                "hold: after the overdraft passed its limit or its due date, the bank collected "
                "it twice, at least 30 days apart, in a way that proves you received it; the "
                "debt stayed unpaid for more than 3 months after the second collection; the "
                "principal still unpaid is ¥50,000 or more (interest and fees are left out, "
                "and every amount you have repaid counts as repaying principal); and there is "
                "an intent to take the money unlawfully, which is never inferred from "
                "non-payment alone. On the bank's records this account now meets the first "
                "three, objective, conditions. We tell you so that you know where you stand, "
                "not to threaten you.",
                "If everything is repaid before a public prosecution is brought, the "
                "prosecutor may decide not to prosecute; if it is repaid before the court's "
                "first judgment, the court may waive punishment. This does not apply to "
                "someone punished twice or more before for credit card fraud. With a plan "
                "agreed with us and kept to, you are repaying under an agreement with the "
                "bank. Please contact us or make a request today: we want to agree a plan with "
                "you.",
                LEGAL_CRIME_EN,
            ),
        },
    ),
]


def seed(apps, schema_editor):
    ConsequenceRule = apps.get_model("negotiation", "ConsequenceRule")
    for key, position, from_day, earliest, conditions, texts in RULES:
        for language, (title, body, how_to_avoid, legal_basis) in texts.items():
            ConsequenceRule.objects.get_or_create(
                key=key,
                jurisdiction="CN",
                language=language,
                effective_from=EFFECTIVE,
                defaults={
                    "position": position,
                    "from_day": from_day,
                    "date_is_earliest": earliest,
                    "title": title,
                    "body": body,
                    "how_to_avoid": how_to_avoid,
                    "legal_basis": legal_basis,
                    **conditions,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("negotiation", "0017_every_aging_pause_principal_repaid")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
