"""No framework default message is reachable on a form a debtor can meet.

Every debtor form is walked (the request form once per kind of option), each field given
empty, nonsense, negative, out-of-range and too-long values, in English and in Chinese;
no message it answers with may be one of Django's own (collected from its field classes'
``default_error_messages``, its validators' messages, its sign-in and password forms'
``error_messages`` and its password validators', in both languages). A debtor view that
starts using a form this walk does not know fails the walk's completeness check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core import validators
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from negotiation.forms.accounts import DebtorLoginForm, FiguresForm
from negotiation.forms.common import DecisionVersionForm, PlainMessages, money_field
from negotiation.forms.disputes import DisputeForm
from negotiation.forms.mandates import CancelMandateForm, MandateForm
from negotiation.forms.onboarding import CodeForm, IdentityForm, NewPasswordForm, ResetRequestForm
from negotiation.forms.payments import PayForm
from negotiation.forms.plans import ChangeRequestForm, MoveToEndForm, PaymentDayForm, SignPlanForm
from negotiation.forms.profile import EmailChangeForm, PhoneChangeForm, PreferencesForm
from negotiation.forms.promises import PromiseForm
from negotiation.forms.requests import AnswerForm, DeclineOfferForm, ReliefRequestForm, UploadForm
from negotiation.forms.terms import TermsForm
from negotiation.models import CreditAccount, Program
from negotiation.payproviders import SandboxProvider
from negotiation.selectors.payments import AmountChoice
from negotiation.views import (
    accounts,
    disputes,
    mandates,
    onboarding,
    payments,
    planchanges,
    plans,
    profile,
    promises,
    requests,
    system,
)
from tests.conftest import sign_in_request
from tests.factories import make_account, make_deferral_program, make_installment_program

LANGUAGES = ("en", "zh-hans")
DEBTOR_VIEWS: list[ModuleType] = [
    accounts,
    disputes,
    mandates,
    onboarding,
    payments,
    planchanges,
    plans,
    profile,
    promises,
    requests,
    system,
]
# What a debtor can type into any box: nothing, blanks, words, a negative, too many
# decimals, too large, a date that is none, a wrong address, another script's digits, far
# too long. Each field also gets a value of its own (two passwords that differ).
VALUES = ["", " ", "lots", "-5", "1.234", "9" * 20, "2026-13-45", "abc@", "٣", "x" * 5001]
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]")


def _subclasses(klass: type) -> Iterator[type]:
    sub: type
    for sub in klass.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _django_texts() -> set[str]:
    """Every message Django words itself that a form could show, in the active language."""
    texts: set[str] = set()
    for klass in [forms.Field, *_subclasses(forms.Field)]:
        if klass.__module__.startswith("django."):
            texts |= {str(m) for m in vars(klass).get("default_error_messages", {}).values()}
    for value in vars(validators).values():
        for holder in (value, type(value)):
            message = getattr(holder, "message", None)
            if message is not None and not callable(message):
                texts.add(str(message))
            messages = getattr(holder, "messages", None)
            if isinstance(messages, dict):
                texts |= {str(m) for m in messages.values()}
    for form_class in (
        auth_forms.AuthenticationForm,
        auth_forms.SetPasswordForm,
        auth_forms.PasswordChangeForm,
        auth_forms.BaseUserCreationForm,
    ):
        texts |= {str(m) for m in form_class.error_messages.values()}
    texts |= {
        password_validation.MinimumLengthValidator(12).get_error_message(),
        password_validation.CommonPasswordValidator().get_error_message(),
        password_validation.NumericPasswordValidator().get_error_message(),
        password_validation.UserAttributeSimilarityValidator().get_error_message(),
    }
    return {text for text in texts if text.strip()}


def django_default_patterns() -> list[re.Pattern[str]]:
    """Django's own messages in English and in Chinese, each as a pattern whose limits
    (%(limit_value)s...) match any text."""
    texts: set[str] = set()
    for language in LANGUAGES:
        with translation.override(language):
            texts |= _django_texts()
    patterns = []
    for text in texts:
        parts = [re.escape(part) for part in _PLACEHOLDER.split(text)]
        patterns.append(re.compile(".+?".join(parts), re.DOTALL))
    return patterns


def framework_messages(form: forms.BaseForm, patterns: list[re.Pattern[str]]) -> list[str]:
    form.is_valid()
    return [
        f"{name}: {message}"
        for name, messages in form.errors.items()
        for message in messages
        if any(pattern.fullmatch(str(message)) for pattern in patterns)
    ]


def submissions(form: forms.BaseForm) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """The data and files to try on ``form``: each value in every field at once, then each
    field with a value of its own; a file field gets an empty file."""
    names = list(form.fields)
    file_fields = [n for n in names if isinstance(form.fields[n], forms.FileField)]
    files = {form.add_prefix(n): SimpleUploadedFile("proof.pdf", b"") for n in file_fields}
    typed = [n for n in names if n not in file_fields]
    for value in VALUES:
        yield {form.add_prefix(n): value for n in typed}, files
    yield {form.add_prefix(n): f"x-{n}" for n in typed}, files
    yield {}, {}


FormMaker = Callable[..., forms.BaseForm]


@pytest.fixture
def debtor_forms(account, debtor) -> dict[str, FormMaker]:
    """Every form a debtor can reach, by a name, each made from (data, files)."""
    today = timezone.localdate()
    installment = make_installment_program(code="std", months_max=24, max_waiver_pct=50)
    deferral = make_deferral_program(code="pause")
    freeze = make_installment_program(
        code="freeze", kind="interest_freeze", months_min=12, min_days_past_due=30
    )
    late: CreditAccount = make_account(debtor, days_past_due=120, card_last4="7777")
    programs: list[Program] = [installment, deferral, freeze]

    def relief(program: Program) -> FormMaker:
        def make(data: dict[str, Any], files: dict[str, Any]) -> forms.BaseForm:
            if data:
                data = {**data, "program": str(program.pk)}
            return ReliefRequestForm(
                data or None, account=late, programs=programs, today=today, initial={}
            )

        return make

    def pay(data: dict[str, Any], files: dict[str, Any]) -> forms.BaseForm:
        return PayForm(
            data or None,
            choices=[AmountChoice("due", "Due", Decimal("100.00"))],
            providers={"sandbox": SandboxProvider()},
            currency="CNY",
        )

    return {
        "sign-in": lambda d, f: DebtorLoginForm(sign_in_request(), data=d or None),
        "figures": lambda d, f: FiguresForm(d or None),
        "identity": lambda d, f: IdentityForm(d or None),
        "code": lambda d, f: CodeForm(d or None),
        "new password": lambda d, f: NewPasswordForm(debtor.user, d or None),
        "reset request": lambda d, f: ResetRequestForm(d or None),
        "phone change": lambda d, f: PhoneChangeForm(d or None),
        "email change": lambda d, f: EmailChangeForm(d or None),
        "preferences": lambda d, f: PreferencesForm(d or None, has_both=True),
        "request: installment": relief(installment),
        "request: deferral": relief(deferral),
        "request: interest freeze": relief(freeze),
        "live preview": lambda d, f: TermsForm(
            d or None, account=late, programs=programs, today=today
        ),
        "answer": lambda d, f: AnswerForm(d or None, f or None),
        "upload": lambda d, f: UploadForm(d or None, f or None),
        "decline offer": lambda d, f: DeclineOfferForm(d or None),
        "decision version": lambda d, f: DecisionVersionForm(d or None),
        "dispute": lambda d, f: DisputeForm(d or None, f or None),
        "mandate": lambda d, f: MandateForm(d or None),
        "mandate cancel": lambda d, f: CancelMandateForm(d or None),
        "pay": pay,
        "sign plan": lambda d, f: SignPlanForm(d or None),
        "payment day": lambda d, f: PaymentDayForm(d or None),
        "move to end": lambda d, f: MoveToEndForm(d or None, choices=[(2, "2")]),
        "change request": lambda d, f: ChangeRequestForm(d or None),
        "promise": lambda d, f: PromiseForm(d or None),
    }


def walk(maker: FormMaker, patterns: list[re.Pattern[str]]) -> list[str]:
    found: list[str] = []
    for language in LANGUAGES:
        with translation.override(language):
            for data, files in submissions(maker({}, {})):
                found += framework_messages(maker(data, files), patterns)
    return found


def test_no_debtor_form_says_a_framework_default_message(debtor_forms):
    patterns = django_default_patterns()
    found = {name: walk(maker, patterns) for name, maker in debtor_forms.items()}
    assert {name: sorted(set(messages)) for name, messages in found.items() if messages} == {}


def test_the_walk_covers_every_form_a_debtor_view_uses(debtor_forms):
    walked = {type(maker({}, {})) for maker in debtor_forms.values()}
    used = {
        value
        for module in DEBTOR_VIEWS
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, forms.BaseForm)
    }
    assert used - walked == set()
    assert all(issubclass(form_class, PlainMessages) for form_class in used)


class _Framework(forms.Form):
    amount = money_field("Amount")
    name = forms.CharField(label="Name", max_length=5)
    count = forms.IntegerField(label="Count", min_value=0)
    when = forms.DateField(label="When")
    option = forms.ChoiceField(label="Option", choices=[("a", "A")])


def test_the_walk_can_fail():
    """A plain Django form, as every debtor form was before PlainMessages: the walk finds
    Django's words, in both languages."""
    found = walk(lambda d, f: _Framework(d or None), django_default_patterns())
    assert "name: This field is required." in found
    assert "count: Ensure this value is greater than or equal to 0." in found
    assert any(message.startswith("option: Select a valid choice.") for message in found)
    with translation.override("zh-hans"):
        required = str(forms.Field.default_error_messages["required"])
    assert f"name: {required}" in found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("4,500", Decimal("4500")),
        ("4，500", Decimal("4500")),
        ("¥4,500.00", Decimal("4500.00")),
        ("￥4500", Decimal("4500")),
        ("4500元", Decimal("4500")),
        ("４，５００", Decimal("4500")),
    ],
)
def test_an_amount_is_taken_as_people_write_it(db, language, typed, value):
    with translation.override(language):
        form = FiguresForm({"income": typed, "expenses": "100"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["income"] == value


def test_an_amount_box_lets_the_debtor_type_separators(db):
    """A browser's number box would empty "4,500" before it is sent: a text box with the
    number keyboard instead."""
    box = str(FiguresForm()["income"])
    assert 'type="text"' in box
    assert 'inputmode="decimal"' in box


@pytest.mark.parametrize("typed", ["4,50", "4.500,00", "lots", "¥¥5", "4500$", "1e3"])
def test_nonsense_is_refused_in_plain_words_naming_the_field(db, typed):
    form = FiguresForm({"income": typed, "expenses": "100"})
    assert not form.is_valid()
    assert form.errors["income"] == [
        "Please enter “Monthly income after tax” in the digits 0-9, such as 4500 or 4,500.50."
    ]


def test_a_number_below_the_least_names_the_field_and_the_limit(db):
    form = FiguresForm({"income": "-5", "expenses": "100", "dependents": "-1"})
    assert not form.is_valid()
    assert form.errors["income"] == ["“Monthly income after tax” cannot be less than 0."]
    assert form.errors["dependents"] == ["“People who depend on you” cannot be less than 0."]


def test_a_text_too_long_is_refused_saying_by_how_much_and_never_cut(db, account):
    today = timezone.localdate()
    program = make_installment_program()
    form = ReliefRequestForm(
        {"hardship_statement": "x" * 4012}, account=account, programs=[program], today=today
    )
    assert not form.is_valid()
    assert form.errors["hardship_statement"] == [
        "“Tell us about your situation” can be at most 4000 characters: this is 12 too many."
    ]
    box = str(form["hardship_statement"])
    assert "maxlength" not in box  # the browser would cut a pasted text without a word
    assert 'data-room-max="4000"' in box
    assert "At most 4000 characters." in str(form.fields["hardship_statement"].help_text)


def test_a_hidden_field_asks_for_the_page_again(db):
    form = DecisionVersionForm({"version": "lots"})
    assert not form.is_valid()
    assert form.errors["version"] == [
        "This page was not complete. Please open it again and try once more."
    ]


def test_the_words_written_for_a_field_stay(db):
    """PlainMessages words only what the field did not word itself."""
    form = PromiseForm({"amount": "100", "by": "soon"})
    assert not form.is_valid()
    assert form.errors["by"] == ["Please choose a day from the calendar, such as 2026-12-15."]
