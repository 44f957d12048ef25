from django.urls import path

import negotiation.converters  # noqa: F401  (registers the ref and token converters)
from negotiation.views import (
    accounts,
    callbacks,
    disputes,
    documents,
    letters,
    mandates,
    onboarding,
    payments,
    planchanges,
    plans,
    profile,
    promises,
    requests,
    support,
    system,
)

app_name = "negotiation"

urlpatterns = [
    path("", accounts.dashboard, name="dashboard"),
    path("accounts/<ref:reference>/", accounts.account_detail, name="account"),
    path("accounts/<ref:reference>/request/", requests.request_create, name="request_create"),
    path("accounts/<ref:reference>/statement.pdf", letters.statement, name="statement_pdf"),
    path("accounts/<ref:reference>/promise/", promises.promise_create, name="promise_create"),
    path("accounts/<ref:reference>/payoff.pdf", letters.payoff_letter, name="payoff_letter"),
    path("accounts/<ref:reference>/dispute/", disputes.dispute_create, name="dispute_create"),
    path("disputes/<ref:reference>/", disputes.dispute_detail, name="dispute_detail"),
    path(
        "accounts/<ref:reference>/request/preview/",
        requests.request_preview,
        name="request_preview",
    ),
    path("requests/<ref:reference>/", requests.request_detail, name="request_detail"),
    path("requests/<ref:reference>/withdraw/", requests.request_withdraw, name="request_withdraw"),
    path(
        "requests/<ref:reference>/accept/",
        requests.request_accept_offer,
        name="request_accept_offer",
    ),
    path(
        "requests/<ref:reference>/decline/",
        requests.request_decline_offer,
        name="request_decline_offer",
    ),
    path("requests/<ref:reference>/answer/", requests.request_answer, name="request_answer"),
    path("requests/<ref:reference>/documents/", requests.request_upload, name="request_upload"),
    path("documents/<ref:reference>/", documents.document_download, name="document_download"),
    path("inbox/", accounts.inbox, name="inbox"),
    path("rights/", system.rights, name="rights"),
    path("contacts/", callbacks.contacts, name="contacts"),
    path("callback/", callbacks.callback_create, name="callback_create"),
    path("callbacks/<ref:reference>/", callbacks.callback_detail, name="callback_detail"),
    path("callbacks/<ref:reference>/cancel/", callbacks.callback_cancel, name="callback_cancel"),
    path("profile/", profile.profile, name="profile"),
    path("profile/support/", support.support, name="support"),
    path("profile/support/withdraw/", support.support_withdraw, name="support_withdraw"),
    path(
        "accounts/<ref:reference>/support-offer/dismiss/",
        support.support_offer_dismiss,
        name="support_offer_dismiss",
    ),
    path("profile/phone/", profile.profile_phone, name="profile_phone"),
    path("profile/email/", profile.profile_email, name="profile_email"),
    path("profile/code/", profile.profile_contact_code, name="profile_contact_code"),
    path(
        "profile/sign-out-everywhere/",
        profile.profile_sign_out_everywhere,
        name="profile_sign_out_everywhere",
    ),
    path("session/keep-alive/", system.session_keep_alive, name="session_keep_alive"),
    path("plans/<ref:reference>/", plans.plan_detail, name="plan_detail"),
    # Paying online: for a plan (PL-...) or an account (AC-...); the way back from the
    # provider, and the sandbox provider's own page (test mode), for an intent (PI-...).
    path("pay/<ref:reference>/", payments.pay, name="pay"),
    path("payments/<ref:reference>/return/", payments.pay_return, name="pay_return"),
    path("payments/sandbox/<ref:reference>/", payments.payment_sandbox, name="payment_sandbox"),
    path(
        "plans/<ref:reference>/automatic-repayment/",
        mandates.mandate_create,
        name="mandate_create",
    ),
    path(
        "plans/<ref:reference>/automatic-repayment/cancel/",
        mandates.mandate_cancel,
        name="mandate_cancel",
    ),
    path(
        "plans/<ref:reference>/agreement.pdf",
        plans.plan_agreement_pdf,
        name="plan_agreement_pdf",
    ),
    path("plans/<ref:reference>/change/", planchanges.plan_change, name="plan_change"),
    path(
        "plans/<ref:reference>/versions/<int:version>/agreement.pdf",
        planchanges.plan_version_pdf,
        name="plan_version_pdf",
    ),
    # The invitation's steps before its link, which takes any other path under activate/.
    path("activate/code/", onboarding.activate_code, name="activate_code"),
    path("activate/password/", onboarding.activate_password, name="activate_password"),
    path("activate/<token:token>/", onboarding.activate, name="activate"),
]
