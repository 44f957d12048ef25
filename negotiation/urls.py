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
    path("plans/<str:reference>/", views.plan_detail, name="plan_detail"),
]
