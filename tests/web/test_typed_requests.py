"""The typed requests: a debtor view gets the signed-in user's debtor record on the request;
an admin method acts for the signed-in staff member and never for anyone else."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from negotiation.access import debtor_required
from negotiation.http import DebtorRequest, staff_user
from negotiation.roles import SPECIALISTS
from tests.factories import make_debtor, make_staff

pytestmark = pytest.mark.django_db


@debtor_required
def echo_debtor(request: DebtorRequest, reference: str) -> HttpResponse:
    return HttpResponse(f"{request.debtor.reference} {reference}")


def test_a_debtor_view_receives_the_signed_in_debtor():
    debtor = make_debtor()
    assert debtor.user is not None
    request = RequestFactory().get("/")
    request.user = debtor.user
    response = echo_debtor(request, reference="AC-1")
    assert response.content.decode() == f"{debtor.reference} AC-1"


def test_a_debtor_view_sends_the_anonymous_to_sign_in_and_staff_to_a_404():
    request = RequestFactory().get("/accounts/AC-1/")
    request.user = AnonymousUser()
    response = echo_debtor(request, reference="AC-1")
    assert response.status_code == 302
    assert "next=/accounts/AC-1/" in response["Location"]

    request.user = make_staff(SPECIALISTS)
    with pytest.raises(Http404):
        echo_debtor(request, reference="AC-1")


def test_staff_user_is_the_signed_in_staff_member():
    specialist = make_staff(SPECIALISTS)
    request = RequestFactory().get("/staff/")
    request.user = specialist
    assert staff_user(request) == specialist


def test_staff_user_refuses_an_anonymous_request():
    request = RequestFactory().get("/staff/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        staff_user(request)
