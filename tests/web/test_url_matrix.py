"""Every URL of the debtor site, for every persona: anonymous, the owner, another debtor,
and each staff role; and the site's own URLs (sign-in, sign-out, health check, language)
for each of them. The cases are generated from the URLconf: a new URL without a case, in
the debtor site or beside it, fails ``test_every_url_has_a_case``. A foreign object is a
404, exactly like one that does not exist, and a refused POST changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from negotiation.models import (
    AuditEvent,
    Callback,
    Dispute,
    Document,
    ReliefRequest,
    RepaymentPlan,
    User,
)
from negotiation.roles import BANK_STAFF, COMPLIANCE, SPECIALISTS, SUPERVISORS
from tests.conftest import sign_in_request, staff_client
from tests.factories import (
    PASSWORD,
    give_a_mobile_number,
    last_sms_code,
    make_account,
    make_debtor,
    make_staff,
)
from tests.web.conftest import World

pytestmark = pytest.mark.django_db


# Which object each URL's <reference> names, and the methods the URL answers.
DEBTOR_URLS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "dashboard": (None, ("GET",)),
    "account": ("account", ("GET", "POST")),
    "request_create": ("account", ("GET", "POST")),
    "request_preview": ("account", ("POST",)),
    "request_detail": ("request", ("GET",)),
    # Asked first (GET: the confirmation), done by its form (POST).
    "request_withdraw": ("request", ("GET", "POST")),
    "request_accept_offer": ("request", ("POST",)),
    "request_decline_offer": ("request", ("POST",)),
    "request_answer": ("request", ("POST",)),
    "request_upload": ("request", ("POST",)),
    "document_download": ("document", ("GET",)),
    "inbox": (None, ("GET",)),
    "rights": (None, ("GET",)),
    # "Contacts from us" and booking a call back: the signed-in debtor's own (the booking
    # page of a debtor with one waiting sends them to it); a call back booked, and its
    # cancellation (a page that asks, then the POST).
    "contacts": (None, ("GET",)),
    "callback_create": (None, ("GET", "POST")),
    "callback_detail": ("callback", ("GET",)),
    "callback_cancel": ("callback", ("GET", "POST")),
    "plan_detail": ("plan", ("GET", "POST")),
    "plan_agreement_pdf": ("plan", ("GET",)),
    # Changing a signed plan (an unsigned one here: the page says it cannot be changed yet),
    # and each version's agreement (version 1, the first agreement: a draft here).
    "plan_change": ("plan", ("GET", "POST")),
    "plan_version_pdf": ("plan", ("GET",)),
    # Automatic repayment of a plan: set up, and cancelled (an unsigned plan: back to it).
    "mandate_create": ("plan", ("GET", "POST")),
    "mandate_cancel": ("plan", ("GET", "POST")),
    # The letters: a statement any time; the payoff letter once the account is settled
    # (before that, back to the account page with a word on when).
    "statement_pdf": ("account", ("GET",)),
    "promise_create": ("account", ("GET", "POST")),
    "dispute_create": ("account", ("GET", "POST")),
    "dispute_detail": ("dispute", ("GET",)),
    "payoff_letter": ("account", ("GET",)),
    # Paying online: the pay page (an account's or a plan's), the way back from the provider,
    # and the sandbox provider's page, for a payment started (the POSTs pay nothing: the
    # body names no amount or decision).
    "pay": ("account", ("GET", "POST")),
    "pay_return": ("intent", ("GET",)),
    "payment_sandbox": ("intent", ("GET", "POST")),
    # The profile: always the signed-in debtor's own, so it names no object.
    "profile": (None, ("GET", "POST")),
    "profile_phone": (None, ("GET", "POST")),
    "profile_email": (None, ("GET", "POST")),
    "profile_contact_code": (None, ("GET", "POST")),
    "profile_sign_out_everywhere": (None, ("POST",)),
    # Extra support: the asker's own (from My details), and the offer on an account page
    # dismissed (the account names whose).
    "support": (None, ("GET", "POST")),
    "support_withdraw": (None, ("POST",)),
    "support_offer_dismiss": ("account", ("POST",)),
    # The warning's "Stay signed in": the asker's own session, so it names no object.
    "session_keep_alive": (None, ("POST",)),
}
# Ends the asker's own sessions: another debtor signs only themselves out (and that alone is
# audited), the owner's sessions are untouched.
SIGNS_THE_ASKER_OUT = {"profile_sign_out_everywhere"}
OPEN_TO_ANYONE = {"rights"}
# Answer with nothing to show: 204 where a page would be 200.
NO_CONTENT = {"session_keep_alive"}
# A later step of a flow the visitor has not started: back to its first page.
FLOW_STEPS = {"profile_contact_code": "negotiation:profile"}
# Acts on the asker's own (their extra support, none here): answered by their own page.
OWN_ACTIONS = {"support_withdraw": "negotiation:profile"}
# The way in, in the debtor site but for people not signed in yet: the methods each answers
# and what it answers the anonymous visitor with no flow started (an unknown link: 404; a
# later step: back to the sign-in) and anyone signed in (sent on, like the sign-in page).
ONBOARDING_URLS: dict[str, tuple[tuple[str, ...], int]] = {
    "activate": (("GET", "POST"), 404),
    "activate_code": (("GET", "POST"), 302),
    "activate_password": (("GET", "POST"), 302),
}
# The site's own URLs, outside the debtor site and the staff site: the method each answers
# and what it answers the anonymous visitor and anyone signed in (debtor or staff).
SITE_URLS: dict[str, tuple[str, int, int]] = {
    "login": ("GET", 200, 302),  # whoever is signed in already is sent on
    "logout": ("POST", 302, 302),
    "healthz": ("GET", 200, 200),
    "readyz": ("GET", 200, 200),
    "set_language": ("POST", 302, 302),
    "set_text_size": ("POST", 302, 302),
    # A forgotten password: the later steps without a flow go back to the sign-in; a reset
    # link that is not one is a 404; the last page says the same to anyone.
    "password_reset": ("GET", 200, 302),
    "password_reset_done": ("GET", 200, 302),
    "password_reset_confirm": ("GET", 404, 302),
    "password_reset_code": ("GET", 302, 302),
    "password_reset_set": ("GET", 302, 302),
    "password_reset_complete": ("GET", 200, 200),
    # A payment provider's notification: no sign-in; without its signature a 400 for anyone.
    "payments_webhook": ("POST", 400, 400),
}
SITE_URL_ARGS = {
    "password_reset_confirm": ["DB-NONE-NONE", "abcdef-0123456789"],
    "payments_webhook": ["sandbox"],
}
# The staff site's URLs have their cases in tests/admin/test_admin_matrix.py.
INCLUDED_SITES = {"negotiation", "admin"}


def _debtor_site() -> URLResolver:
    return next(
        pattern
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver) and pattern.namespace == "negotiation"
    )


def test_every_url_has_a_case():
    top = get_resolver().url_patterns
    assert {p.namespace for p in top if isinstance(p, URLResolver)} == INCLUDED_SITES
    assert {p.name for p in top if isinstance(p, URLPattern)} == set(SITE_URLS)
    debtor_site = _debtor_site().url_patterns
    assert not [p for p in debtor_site if isinstance(p, URLResolver)]  # no include inside
    assert {p.name for p in debtor_site if isinstance(p, URLPattern)} == set(DEBTOR_URLS) | set(
        ONBOARDING_URLS
    )


# URLs with a second argument after the object's reference.
MORE_ARGS: dict[str, list[object]] = {"plan_version_pdf": [1]}


def _url(name: str, world: World) -> str:
    kind, _ = DEBTOR_URLS[name]
    args = [getattr(world, kind)] if kind else []
    return reverse(f"negotiation:{name}", args=[*args, *MORE_ARGS.get(name, [])])


def _cases() -> list[tuple[str, str]]:
    return [(name, method) for name, (_, methods) in DEBTOR_URLS.items() for method in methods]


def _call(client: Client, method: str, url: str):
    # A POST carries what a real form sends, so a refusal is about who asks, not the body.
    body = {"answer": "Here it is.", "comment": "No.", "version": "1", "months": "12"}
    return client.get(url) if method == "GET" else client.post(url, body)


def _changes() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        ReliefRequest.objects.exclude(status="needs_info").count(),
        RepaymentPlan.objects.exclude(status="awaiting_signature").count(),
        Document.objects.count(),
        Dispute.objects.count(),
        Callback.objects.count(),
        Callback.objects.exclude(status="requested").count(),
    )


@pytest.mark.parametrize(("name", "method"), _cases())
def test_anonymous_visitors_are_sent_to_sign_in(client, world, name, method):
    response = _call(client, method, _url(name, world))
    if name in OPEN_TO_ANYONE:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "method"), _cases())
def test_another_debtor_gets_a_404_and_changes_nothing(world, name, method):
    stranger = make_debtor()
    make_account(stranger, card_last4="9999")
    client = Client()
    assert stranger.user is not None
    assert client.login(
        request=sign_in_request(), username=stranger.user.username, password=PASSWORD
    )
    before = _changes()
    response = _call(client, method, _url(name, world))
    if name in SIGNS_THE_ASKER_OUT:
        assert response["Location"] == reverse("login")
        assert AuditEvent.objects.filter(actor=stranger.user).count() == 3  # in, everywhere, out
        assert (
            not User.objects.filter(is_staff=False, session_generation__gt=0)
            .exclude(pk=stranger.user.pk)
            .exists()
        )  # the owner's sessions are untouched
        return
    if name in FLOW_STEPS or name in OWN_ACTIONS:
        assert response.status_code == 302
        assert response["Location"] == reverse({**FLOW_STEPS, **OWN_ACTIONS}[name])
    elif DEBTOR_URLS[name][0] is None:
        # Their own dashboard, inbox, rights, profile, session.
        assert response.status_code == (204 if name in NO_CONTENT else 200)
    else:
        assert response.status_code == 404
    assert _changes() == before


@pytest.mark.parametrize("group", [SPECIALISTS, SUPERVISORS, BANK_STAFF, COMPLIANCE])
@pytest.mark.parametrize(("name", "method"), _cases())
def test_staff_are_not_debtors(world, group, name, method):
    client = staff_client(make_staff(group))
    before = _changes()
    response = _call(client, method, _url(name, world))
    assert response.status_code == (200 if name in OPEN_TO_ANYONE else 404)
    assert _changes() == before


@pytest.mark.parametrize(("name", "method"), _cases())
def test_the_owner_is_served(debtor_client, world, name, method):
    response = _call(debtor_client, method, _url(name, world))
    if name in NO_CONTENT:
        assert response.status_code == 204
        return
    # A page, a redirect after a form, or the form re-shown with the portal's own words
    # (400: the body above carries no file): never a 404, a 405 or a server error.
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 400:
        assert "negotiation/request_detail.html" in [t.name for t in response.templates]


def test_the_owner_downloads_their_document_and_signs_their_plan(debtor_client, debtor, world):
    give_a_mobile_number(debtor)
    response = debtor_client.get(_url("document_download", world))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    consented = debtor_client.post(
        _url("plan_detail", world), {"consent_terms": "on", "password": PASSWORD}
    )
    assert consented.status_code == 302
    signed = debtor_client.post(
        _url("plan_detail", world), {"step": "code", "code": last_sms_code()}
    )
    assert signed.status_code == 302
    assert RepaymentPlan.objects.get(reference=world.plan).status == "active"


PERSONAS = ["anonymous", "debtor", SPECIALISTS, SUPERVISORS, BANK_STAFF, COMPLIANCE]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(SITE_URLS))
def test_the_site_urls_answer_every_persona(debtor_client, name, persona):
    method, anonymous, signed_in = SITE_URLS[name]
    if persona == "anonymous":
        client = Client()
    elif persona == "debtor":
        client = debtor_client
    else:
        client = staff_client(make_staff(persona))
    url = reverse(name, args=SITE_URL_ARGS.get(name, []))
    response = (
        client.get(url) if method == "GET" else client.post(url, {"language": "en", "next": "/"})
    )
    assert response.status_code == (anonymous if persona == "anonymous" else signed_in)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method"),
    [(name, method) for name, (methods, _) in ONBOARDING_URLS.items() for method in methods],
)
def test_the_way_in_answers_every_persona(debtor_client, world, name, method, persona):
    if persona == "anonymous":
        client = Client()
    elif persona == "debtor":
        client = debtor_client
    else:
        client = staff_client(make_staff(persona))
    url = reverse(f"negotiation:{name}", args=["not-a-real-token"] if name == "activate" else [])
    before = _changes()
    body = {"national_id": "110105199003071520", "card_last4": "1111", "code": "123456"}
    response = client.get(url) if method == "GET" else client.post(url, body)
    if persona == "anonymous":
        assert response.status_code == ONBOARDING_URLS[name][1]
        if response.status_code == 302:
            assert response["Location"] == reverse("login")
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("negotiation:dashboard")
    assert _changes() == before
