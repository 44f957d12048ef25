"""Demo data (DESIGN.md section 10). Idempotent: running it again changes nothing that exists.

``--debtors N`` adds N synthetic debtors with accounts, payments, requests in every state and
plans, written with bulk inserts in batches so that N = 100,000 is practical on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from base64 import b32encode
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from negotiation import money, policy
from negotiation.models import (
    AccountStatus,
    ApprovalLimit,
    CollectionAgency,
    CollectionNotice,
    ContactRecord,
    CreditAccount,
    Debtor,
    HardshipReason,
    Installment,
    NoticeChannel,
    Offer,
    OfferKind,
    OfferStatus,
    Payment,
    PaymentSource,
    PlanStatus,
    Product,
    Program,
    ReliefKind,
    ReliefRequest,
    RepaymentPlan,
    RequestStatus,
    User,
    WordingKind,
    WordingTemplate,
)
from negotiation.models.debtors import hash_national_id
from negotiation.models.requests import CLOSED_REQUEST_STATUSES
from negotiation.money import LEGAL_MAX_MONTHS, CostMethod
from negotiation.references import (
    new_account_reference,
    new_debtor_reference,
    new_request_reference,
)
from negotiation.roles import BANK_STAFF, SPECIALISTS, SUPERVISORS
from negotiation.selectors.terms import account_facts
from negotiation.services.onboarding import resend_invitation
from negotiation.services.plans import unsaved_installments, unsaved_plan
from negotiation.services.secondfactor import APP_DEVICE, is_enrolled
from negotiation.services.staff import sync_role_groups

DEMO_DEBTOR_EMAIL = "demo@example.com"
DEMO_DEBTOR_PASSWORD = "demo-debtor-pass"


def demo_totp_key(username: str) -> str:
    """The demo staff member's app secret (hex, as django-otp keeps it): the same at every
    run, so an authenticator app set up once keeps working after the demo is seeded again."""
    return hashlib.sha1(f"demo-totp:{username}".encode(), usedforsecurity=False).hexdigest()


STAFF = [
    ("specialist", "demo-specialist-pass", SPECIALISTS, "Chen", "Jing"),
    ("supervisor", "demo-supervisor-pass", SUPERVISORS, "Zhao", "Min"),
    ("bankstaff", "demo-staff-pass", BANK_STAFF, "Sun", "Lei"),
]
# The agencies the demo bank has authorised to call on its behalf (invented).
AGENCIES = [
    {
        "name": "Eastern Recovery Services Co., Ltd.",
        "name_zh": "东方信诚催收服务有限公司",
        "registration_number": "91310000MA1FL0DEMO1",
        "phones": "021 6000 1101\n021 6000 1102",
    },
    {
        "name": "Huabei Credit Management Co., Ltd.",
        "name_zh": "华北信用管理有限公司",
        "registration_number": "91110000MA01DEMO2X",
        "phones": "010 8000 2201",
    },
]
# The demo debtor's contacts: days ago, hour, channel, direction, outcome, by an agency.
DEMO_CONTACTS = [
    (30, 10, "phone", "outbound", "no_answer", False),
    (30, 16, "sms", "outbound", "left_message", False),
    (21, 11, "phone", "outbound", "spoke", False),
    (14, 9, "phone", "outbound", "promise_to_pay", True),
    (6, 14, "portal", "inbound", "other", False),
    (2, 15, "phone", "outbound", "spoke", False),
]
# A debtor the bank imported, not signed up yet: a name as a Chinese bank writes it, an
# account, and an invitation whose link seed_demo prints. Demo data only: never real people.
INVITED_DEBTOR = {
    "external_id": "DEMO-INVITED-1",
    "full_name": "李娜",
    "national_id": "11010519880615234X",
    "phone": "+86 139 1234 5678",
    "card_last4": "6688",
}
# The demo specialist approves alone up to this; beyond it a supervisor gives the second
# approval (the 60-month interest freeze of the demo's older card shows it).
SPECIALIST_LIMIT = {"max_amount": Decimal("30000.00"), "max_months": 24}

PROGRAMS: list[dict[str, Any]] = [
    {
        "code": "installment-standard",
        "kind": ReliefKind.INSTALLMENT,
        "name": "Standard installment plan",
        "name_zh": "标准分期还款",
        "description": "Repay what you owe in equal monthly payments over 3 to 24 months.",
        "description_zh": "在3至24个月内按月等额偿还欠款。",
        "min_days_past_due": 1,
        "months_min": 3,
        "months_max": 24,
        "cost_method": CostMethod.FLAT_FEE,
        "rate": Decimal("0.00600"),
        # A payment may move to the end once a plan year (migration 0050 seeds the same).
        "allows_move_to_end": True,
    },
    {
        "code": "installment-hardship",
        "kind": ReliefKind.INSTALLMENT,
        "name": "Individual installment plan for hardship",
        "name_zh": "困难客户个性化分期还款",
        "description": (
            "For a lasting loss of income or a serious illness: up to 60 monthly payments at "
            "a low yearly rate, and part of the interest and late charges can be waived. We "
            "will ask for proof of your situation."
        ),
        "description_zh": (
            "适用于收入长期减少或重大疾病：最多分60期按月还款，年利率较低，并可减免部分利息和违约金。"
            "我们会请您提供相关证明。"
        ),
        "min_days_past_due": 30,
        "months_min": 6,
        "months_max": LEGAL_MAX_MONTHS,
        "cost_method": CostMethod.ANNUITY,
        "rate": Decimal("0.06000"),
        "max_waiver_pct": Decimal("50"),
        "hardship_evidence_required": True,
        # A payment may move to the end once a plan year (migration 0050 seeds the same).
        "allows_move_to_end": True,
    },
    {
        "code": "interest-freeze",
        "kind": ReliefKind.INTEREST_FREEZE,
        "name": "Interest freeze",
        "name_zh": "停息挂账",
        "description": (
            "For accounts more than 90 days overdue: interest and late charges stop, and "
            "what you owe today is repaid in equal monthly payments over 12 to 60 months at "
            "no further cost. We will ask for proof of your situation."
        ),
        "description_zh": (
            "适用于逾期超过90天的账户：停止计收利息和违约金，当前欠款在12至60个月内按月等额偿还，"
            "不再产生任何息费。我们会请您提供相关证明。"
        ),
        "min_days_past_due": 90,
        "months_min": 12,
        "months_max": LEGAL_MAX_MONTHS,
        "hardship_evidence_required": True,
        # A payment may move to the end once a plan year (migration 0050 seeds the same).
        "allows_move_to_end": True,
    },
    {
        "code": "deferral-short",
        "kind": ReliefKind.DEFERRAL,
        "name": "Payment deferral",
        "name_zh": "延期还款",
        "description": (
            "Pay nothing for 1 to 3 months while your situation recovers, then repay in 1 to "
            "3 monthly payments. Your account stops aging during the deferral."
        ),
        "description_zh": "暂停还款1至3个月，之后分1至3期偿还。延期期间账户逾期天数不再增加。",
        "min_days_past_due": 1,
        "months_min": 1,
        "months_max": 3,
        "grace_months_max": 3,
    },
]


# A few reusable texts for the decision forms, in both languages (supervisors edit them in
# the staff site). Plain and respectful: what is needed or why, and what the debtor can do.
WORDINGS: list[dict[str, Any]] = [
    {
        "kind": WordingKind.QUESTION,
        "title": "Proof of income",
        "title_zh": "收入证明",
        "text_en": (
            "To decide on your request we need proof of your current income: your last three "
            "payslips, or a statement from your employer. You can upload them on your "
            "request's page."
        ),
        "text_zh": (
            "为审核您的申请，我们需要您当前收入的证明：最近三个月的工资单，或单位出具的收入证明。"
            "您可以在申请页面上传。"
        ),
    },
    {
        "kind": WordingKind.QUESTION,
        "title": "Medical evidence",
        "title_zh": "医疗证明",
        "text_en": (
            "You mentioned an illness. A doctor's certificate or a hospital record would help "
            "us offer the right plan. You can upload it on your request's page; we keep it "
            "only for this request."
        ),
        "text_zh": (
            "您提到了疾病情况。提供医生诊断证明或医院病历，有助于我们为您安排合适的还款计划。"
            "您可以在申请页面上传，我们仅将其用于本次申请。"
        ),
    },
    {
        "kind": WordingKind.REJECTION,
        "title": "Payments not affordable",
        "title_zh": "还款额超出承受能力",
        "text_en": (
            "On the income and expenses you gave, these payments would leave you too little "
            "to live on, so we cannot agree them. A longer plan or a deferral may fit better: "
            "you can send a new request, or call us to talk it through."
        ),
        "text_zh": (
            "根据您提供的收入和支出，按此方案还款后您的生活费用将不足，因此我们无法同意。"
            "期限更长的方案或延期还款可能更适合您：您可以重新提交申请，或致电我们详细沟通。"
        ),
    },
    {
        "kind": WordingKind.REJECTION,
        "title": "Information not received",
        "title_zh": "未收到所需信息",
        "text_en": (
            "We did not receive the information we asked for, so we could not assess your "
            "request. You are welcome to send a new request with it at any time."
        ),
        "text_zh": (
            "我们未收到所需的资料，因此无法审核您的申请。欢迎您随时补充资料后重新提交申请。"
        ),
    },
    {
        "kind": WordingKind.COUNTER_NOTE,
        "title": "Lower monthly payment",
        "title_zh": "降低月还款额",
        "text_en": (
            "We propose more monthly payments so that each one is lower and fits the figures "
            "you gave us. Please look at the schedule; you can accept it, or decline and tell "
            "us why."
        ),
        "text_zh": (
            "我们建议增加还款期数，使每期还款金额更低，符合您提供的收支情况。请查看还款计划；"
            "您可以接受，也可以拒绝并告诉我们原因。"
        ),
    },
    {
        "kind": WordingKind.COUNTER_NOTE,
        "title": "Hardship plan with waivers",
        "title_zh": "困难客户方案（含减免）",
        "text_en": (
            "Given your situation, we offer our hardship plan instead: a lower rate, and part "
            "of the interest and late charges waived. Please look at the schedule and what "
            "is waived before you decide."
        ),
        "text_zh": (
            "考虑到您的实际困难，我们为您提供困难客户个性化分期还款：利率更低，并减免部分利息和违约金。"
            "请在决定前查看还款计划及减免金额。"
        ),
    },
]


class Command(BaseCommand):
    help = "Create the demo logins, programs and the demo debtor's accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--debtors", type=int, default=0, help="Also add N synthetic debtors.")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed for synthetic data."
        )

    def handle(self, *args: Any, debtors: int, seed: int, **options: Any) -> None:
        today = timezone.localdate()
        with transaction.atomic():
            sync_role_groups()
            self._staff()
            programs = self._programs()
            self._wordings()
            self._demo_debtor(today)
            self._agencies_and_contacts(today)
            invited = self._invited_debtor(today)
        self.stdout.write(self.style.SUCCESS("Demo logins, programs and demo debtor are in place."))
        self._tell_how_to_activate(invited)
        self._tell_staff_codes()
        if debtors:
            SyntheticData(random.Random(seed), programs, today, self.stdout).create(debtors)

    def _staff(self) -> None:
        for username, password, group_name, last, first in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"is_staff": True, "first_name": first, "last_name": last},
            )
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=group_name))
            if group_name == SPECIALISTS:
                ApprovalLimit.objects.get_or_create(user=user, defaults=SPECIALIST_LIMIT)
            if not is_enrolled(user):
                TOTPDevice.objects.create(
                    user=user, name=APP_DEVICE, key=demo_totp_key(username), confirmed=True
                )

    def _tell_staff_codes(self) -> None:
        self.stdout.write(
            "Staff sign in with the password and then a code from an authenticator app. The "
            "demo staff's apps are set up with these keys (demo data only; add one to any "
            "authenticator app, or run `make codes` for the current codes):"
        )
        for username, password, *_rest in STAFF:
            secret = b32encode(bytes.fromhex(demo_totp_key(username))).decode()
            self.stdout.write(f"  {username} / {password}   app key: {secret}")

    def _invited_debtor(self, today: dt.date) -> tuple[Debtor, str | None]:
        """The imported debtor and, while they have not signed up, a new invitation link
        (each run sends a new one: only the link's hash is kept, so the one before cannot
        be printed again, and it stops working)."""
        spec = INVITED_DEBTOR
        debtor, _ = Debtor.objects.get_or_create(
            external_id=spec["external_id"],
            defaults={
                "full_name": spec["full_name"],
                "national_id_hash": hash_national_id(spec["national_id"]),
                "national_id_last4": spec["national_id"][-4:],
                "phone": spec["phone"],
                "preferred_language": "zh-hans",
            },
        )
        if not debtor.accounts.exists():
            CreditAccount.objects.create(
                debtor=debtor,
                product=Product.CLASSIC_CARD,
                card_last4=spec["card_last4"],
                credit_limit=Decimal("20000.00"),
                principal=Decimal("12480.00"),
                interest=Decimal("936.00"),
                fees=Decimal("60.00"),
                penalty=Decimal("310.00"),
                minimum_due=Decimal("1400.00"),
                oldest_unpaid_due_date=today - dt.timedelta(days=60),
            )
        if debtor.user_id is not None:
            return debtor, None
        staff = User.objects.get(username="bankstaff")
        return debtor, resend_invitation(debtor, actor=staff, now=timezone.now()).link

    def _tell_how_to_activate(self, invited: tuple[Debtor, str | None]) -> None:
        debtor, link = invited
        spec = INVITED_DEBTOR
        if link is None:
            self.stdout.write(
                f"{debtor.full_name} has signed up already: sign in with {spec['phone']} "
                "and the password chosen then."
            )
            return
        self.stdout.write(
            f"Invited debtor {debtor.full_name} ({debtor.reference}), not signed up yet "
            "(demo data only):\n"
            f"  activation link: {link}\n"
            f"  national ID: {spec['national_id']}   last 4 digits of the card: "
            f"{spec['card_last4']}\n"
            f"  the one-time code goes to {spec['phone']} through SMS_BACKEND "
            f"({settings.SMS_BACKEND}: printed where the server runs).\n"
            "  Each run of seed_demo sends a new link; the one before stops working."
        )

    def _agencies_and_contacts(self, today: dt.date) -> None:
        """Two authorised agencies, and a few contacts with the demo debtor over the last
        weeks (ours and one by an agency), so "Contacts from us" shows something real.
        Demo data only: invented names and numbers."""
        agencies = []
        for spec in AGENCIES:
            agency, _ = CollectionAgency.objects.get_or_create(
                registration_number=spec["registration_number"],
                defaults={**spec, "authorised_from": today - dt.timedelta(days=200)},
            )
            agencies.append(agency)
        debtor = Debtor.objects.filter(user__email=DEMO_DEBTOR_EMAIL).first()
        if debtor is None or debtor.contacts.exists():
            return
        specialist = User.objects.get(username="specialist")
        account = debtor.accounts.order_by("pk").first()
        for days, hour, channel, direction, outcome, by_agency in DEMO_CONTACTS:
            at = timezone.make_aware(
                dt.datetime.combine(today - dt.timedelta(days=days), dt.time(hour, 15))
            )
            ContactRecord.objects.create(
                debtor=debtor,
                account=account,
                channel=channel,
                direction=direction,
                outcome=outcome,
                phone="13800138000" if channel in ("phone", "sms") else "",
                agency=agencies[0] if by_agency else None,
                note="Demo contact.",
                at=at,
                staff=specialist,
            )

    def _programs(self) -> list[Program]:
        programs = []
        for spec in PROGRAMS:
            program, _ = Program.objects.get_or_create(code=spec["code"], defaults=spec)
            programs.append(program)
        return programs

    def _wordings(self) -> None:
        for spec in WORDINGS:
            WordingTemplate.objects.get_or_create(
                kind=spec["kind"], title=spec["title"], defaults=spec
            )

    def _demo_debtor(self, today: dt.date) -> None:
        # Found by the email the demo signs in with; the username is the debtor's reference
        # (set below), as activation gives every debtor: the audit trail names a debtor by
        # it, never by an email.
        user = User.objects.filter(email=DEMO_DEBTOR_EMAIL, is_staff=False).first()
        if user is None:
            user = User(username=f"demo-{DEMO_DEBTOR_EMAIL}", email=DEMO_DEBTOR_EMAIL)
            user.first_name = "Fang"
            user.set_password(DEMO_DEBTOR_PASSWORD)
            user.save()
        # Found by its user, not by the hashed ID: the hash depends on a deployment's key.
        debtor, _ = Debtor.objects.get_or_create(
            user=user,
            defaults={
                "national_id_hash": hash_national_id("110101199003071234"),
                "full_name": "Wang Fang",
                "national_id_last4": "1234",
                "phone": "+86 138 0013 8000",
                "email": DEMO_DEBTOR_EMAIL,
                "preferred_language": "en",
            },
        )
        if user.username != debtor.reference.lower():
            user.username = debtor.reference.lower()
            user.save(update_fields=["username"])
        if debtor.accounts.exists():
            return
        gold = CreditAccount.objects.create(
            debtor=debtor,
            product=Product.GOLD_CARD,
            card_last4="4821",
            credit_limit=Decimal("30000.00"),
            principal=Decimal("18650.00"),
            interest=Decimal("1243.17"),
            fees=Decimal("150.00"),
            penalty=Decimal("412.50"),
            minimum_due=Decimal("2100.00"),
            oldest_unpaid_due_date=today - dt.timedelta(days=45),
        )
        classic = CreditAccount.objects.create(
            debtor=debtor,
            product=Product.CLASSIC_CARD,
            card_last4="0937",
            credit_limit=Decimal("10000.00"),
            principal=Decimal("8920.40"),
            interest=Decimal("1311.62"),
            fees=Decimal("80.00"),
            penalty=Decimal("735.28"),
            minimum_due=Decimal("1650.00"),
            oldest_unpaid_due_date=today - dt.timedelta(days=120),
        )
        for account, days_ago, amount in (
            (gold, 70, "1500.00"),
            (gold, 40, "600.00"),
            (classic, 140, "500.00"),
        ):
            Payment.objects.create(
                account=account,
                amount=Decimal(amount),
                paid_on=today - dt.timedelta(days=days_ago),
                source=PaymentSource.BANK_TRANSFER,
                external_id=f"DEMO-{account.card_last4}-{days_ago}",
            )
        # One formal notice on the older arrears, received a week after it was sent: the
        # debtor sees it under "Formal notices we have sent you".
        sent = timezone.now() - dt.timedelta(days=20)
        CollectionNotice.objects.create(
            account=classic,
            channel=NoticeChannel.REGISTERED_LETTER,
            sent_at=sent,
            delivered_at=sent + dt.timedelta(days=3),
            evidence="EMS 1190 2345 6789 CN, signed by the cardholder",
        )


class SyntheticData:
    """Bulk synthetic debtors for scale tests. Every request state is represented."""

    BATCH = 2000
    SURNAMES = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"]
    GIVEN = ["Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Hui"]
    # The same names in characters, for debtors who read the portal in Chinese: a Chinese
    # bank's records write a Chinese name in characters, surname first, with no space.
    SURNAMES_ZH = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
    GIVEN_ZH = ["伟", "芳", "娜", "敏", "静", "磊", "强", "燕", "军", "慧"]

    def __init__(
        self, rng: random.Random, programs: list[Program], today: dt.date, out: Any
    ) -> None:
        self.rng = rng
        self.programs = programs
        self.today = today
        self.out = out
        self.actor = User.objects.get(username="specialist")
        self.debtor_user = User.objects.get(email=DEMO_DEBTOR_EMAIL, is_staff=False)

    def create(self, count: int) -> None:
        start = Debtor.objects.count()
        done = 0
        while done < count:
            size = min(self.BATCH, count - done)
            with transaction.atomic():
                self._batch(start + done, size)
            done += size
            self.out.write(f"  {done}/{count} synthetic debtors")

    def _name_and_language(self) -> tuple[str, str]:
        """A debtor's name written as their language writes it: 王芳 or Wang Fang."""
        language = self.rng.choice(["en", "zh-hans"])
        surname, given = self.rng.randrange(len(self.SURNAMES)), self.rng.randrange(len(self.GIVEN))
        if language == "zh-hans":
            return f"{self.SURNAMES_ZH[surname]}{self.GIVEN_ZH[given]}", language
        return f"{self.SURNAMES[surname]} {self.GIVEN[given]}", language

    def _batch(self, offset: int, size: int) -> None:
        people = [self._name_and_language() for _ in range(size)]
        debtors = Debtor.objects.bulk_create(
            Debtor(
                reference=new_debtor_reference(),
                full_name=people[i][0],
                national_id_hash=hash_national_id(f"SYN{offset + i:012d}"),
                national_id_last4=f"{(offset + i) % 10000:04d}",
                # A mobile number each (170 is a virtual operators' range), so the queue's
                # search by phone is measured on a realistic table.
                phone=f"+86 170 {(offset + i) // 10000 % 10000:04d} {(offset + i) % 10000:04d}",
                preferred_language=people[i][1],
            )
            for i in range(size)
        )
        accounts = CreditAccount.objects.bulk_create(self._account(debtor) for debtor in debtors)
        Payment.objects.bulk_create(
            Payment(
                account=account,
                amount=Decimal(self.rng.randrange(100, 3000)),
                paid_on=self.today - dt.timedelta(days=self.rng.randrange(1, 365)),
                source=PaymentSource.BANK_TRANSFER,
                external_id=f"SYN-{account.reference}",
            )
            for account in accounts
        )
        self._requests_and_plans(accounts)

    def _account(self, debtor: Debtor) -> CreditAccount:
        principal = Decimal(self.rng.randrange(2000, 80000))
        return CreditAccount(
            reference=new_account_reference(),
            debtor=debtor,
            product=self.rng.choice(Product.values),
            card_last4=f"{self.rng.randrange(10000):04d}",
            credit_limit=principal + 5000,
            principal=principal,
            interest=money.round_money(principal * Decimal("0.05")),
            fees=Decimal("100.00"),
            penalty=money.round_money(principal * Decimal("0.02")),
            minimum_due=money.round_money(principal * Decimal("0.1")),
            oldest_unpaid_due_date=self.today - dt.timedelta(days=self.rng.randrange(5, 400)),
        )

    def _requests_and_plans(self, accounts: list[CreditAccount]) -> None:
        # About two accounts in three have a request; statuses cycle so every state occurs.
        statuses = list(RequestStatus.values)
        requests: list[ReliefRequest] = []
        for index, account in enumerate(accounts):
            if index % 3 == 2:
                continue
            program = self.programs[index % len(self.programs)]
            status = statuses[len(requests) % len(statuses)]
            # Any term the program allows whose payment stays above its minimum.
            affordable_max = int(account.total_balance // max(program.min_installment, Decimal(1)))
            months_max = max(program.months_min, min(program.months_max, affordable_max))
            terms = policy.terms_for(
                account_facts(account, today=self.today),
                program.bounds,
                months=self.rng.randrange(program.months_min, months_max + 1),
                grace_months=program.grace_months_max and 1,
            )
            request = ReliefRequest(
                reference=new_request_reference(),
                account=account,
                program=program,
                kind=program.kind,
                status=status,
                hardship_reason=self.rng.choice(HardshipReason.values),
                hardship_statement="Synthetic request for scale testing.",
                monthly_income=Decimal(self.rng.randrange(3000, 20000)),
                monthly_expenses=Decimal(self.rng.randrange(2000, 10000)),
                monthly_amount=money.regular_amount(
                    terms, money.build_schedule(terms, start=self.today, due=program.bounds.due)
                ),
                due_by=timezone.now() + dt.timedelta(days=self.rng.randrange(-3, 3)),
                closed_at=timezone.now() if status in CLOSED_REQUEST_STATUSES else None,
            )
            request.set_terms(terms)
            request.set_due(program.bounds.due)  # the rule its plan's dates follow
            requests.append(request)
        created = ReliefRequest.objects.bulk_create(requests)
        Offer.objects.bulk_create(self._ask(request) for request in created)
        self._plans([r for r in created if r.status == RequestStatus.APPROVED])

    def _ask(self, request: ReliefRequest) -> Offer:
        offer = Offer(
            request=request,
            kind=OfferKind.ASK,
            program_id=request.program_id,
            made_by=self.debtor_user,
            status=OfferStatus.ACCEPTED
            if request.status == RequestStatus.APPROVED
            else OfferStatus.PENDING
            if request.is_open
            else OfferStatus.DECLINED,
        )
        offer.set_terms(request.terms)
        offer.set_due(request.due)
        return offer

    def _plans(self, approved: list[ReliefRequest]) -> None:
        plans = []
        schedules = []
        for request in approved:
            disclosure = money.disclose(request.terms, start=self.today, due=request.due)
            status = self.rng.choice([PlanStatus.AWAITING_SIGNATURE, PlanStatus.ACTIVE])
            plans.append(
                unsaved_plan(request, disclosure=disclosure, agreed_on=self.today, status=status)
            )
            schedules.append(disclosure.lines)
        created = RepaymentPlan.objects.bulk_create(plans)
        Installment.objects.bulk_create(
            installment
            for plan, lines in zip(created, schedules, strict=True)
            for installment in unsaved_installments(plan, lines)
        )
        # Synthetic rows are written in bulk, bypassing the services on purpose (speed);
        # their states are consistent with the plans just made: an account is IN_PLAN from
        # the approval of its plan, signed or not (ACCOUNT_TRANSITIONS). An unsigned plan
        # on an account left in arrears could never expire (the account's move back to
        # arrears is refused), and the daily follow-up counted each as a failure.
        CreditAccount.objects.filter(pk__in=[p.account_id for p in created]).update(
            status=AccountStatus.IN_PLAN
        )
