from django.urls import path

from negotiation import views

app_name = "negotiation"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/<str:reference>/", views.account_detail, name="account"),
    path("accounts/<str:reference>/request/", views.request_create, name="request_create"),
    path(
        "accounts/<str:reference>/request/preview/",
        views.request_preview,
        name="request_preview",
    ),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("requests/<str:reference>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path(
        "requests/<str:reference>/accept/", views.request_accept_offer, name="request_accept_offer"
    ),
    path(
        "requests/<str:reference>/decline/",
        views.request_decline_offer,
        name="request_decline_offer",
    ),
    path("requests/<str:reference>/answer/", views.request_answer, name="request_answer"),
    path("requests/<str:reference>/documents/", views.request_upload, name="request_upload"),
    path("documents/<str:reference>/", views.document_download, name="document_download"),
    path("inbox/", views.inbox, name="inbox"),
    path("rights/", views.rights, name="rights"),
    path("plans/<str:reference>/", views.plan_detail, name="plan_detail"),
    path(
        "plans/<str:reference>/agreement.pdf",
        views.plan_agreement_pdf,
        name="plan_agreement_pdf",
    ),
]
