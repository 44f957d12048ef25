from django.urls import path

from negotiation.views import accounts, documents, onboarding, plans, profile, requests, system

app_name = "negotiation"

urlpatterns = [
    path("", accounts.dashboard, name="dashboard"),
    path("accounts/<str:reference>/", accounts.account_detail, name="account"),
    path("accounts/<str:reference>/request/", requests.request_create, name="request_create"),
    path(
        "accounts/<str:reference>/request/preview/",
        requests.request_preview,
        name="request_preview",
    ),
    path("requests/<str:reference>/", requests.request_detail, name="request_detail"),
    path("requests/<str:reference>/withdraw/", requests.request_withdraw, name="request_withdraw"),
    path(
        "requests/<str:reference>/accept/",
        requests.request_accept_offer,
        name="request_accept_offer",
    ),
    path(
        "requests/<str:reference>/decline/",
        requests.request_decline_offer,
        name="request_decline_offer",
    ),
    path("requests/<str:reference>/answer/", requests.request_answer, name="request_answer"),
    path("requests/<str:reference>/documents/", requests.request_upload, name="request_upload"),
    path("documents/<str:reference>/", documents.document_download, name="document_download"),
    path("inbox/", accounts.inbox, name="inbox"),
    path("rights/", system.rights, name="rights"),
    path("profile/", profile.profile, name="profile"),
    path("profile/phone/", profile.profile_phone, name="profile_phone"),
    path("profile/email/", profile.profile_email, name="profile_email"),
    path("profile/code/", profile.profile_contact_code, name="profile_contact_code"),
    path("plans/<str:reference>/", plans.plan_detail, name="plan_detail"),
    path(
        "plans/<str:reference>/agreement.pdf",
        plans.plan_agreement_pdf,
        name="plan_agreement_pdf",
    ),
    # The invitation's steps before its link, which takes any other path under activate/.
    path("activate/code/", onboarding.activate_code, name="activate_code"),
    path("activate/password/", onboarding.activate_password, name="activate_password"),
    path("activate/<str:token>/", onboarding.activate, name="activate"),
]
