"""The error summary at the top of a form reads in the page's language, punctuation too."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_summary_uses_a_full_width_colon_in_chinese(
    debtor_client, account, installment_program
):
    debtor_client.cookies["django_language"] = "zh-hans"
    url = reverse("negotiation:request_create", args=[account.reference])
    page = debtor_client.post(url, {}).content.decode()
    assert 'id="error-summary"' in page
    summary = page[page.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "：" in summary
    assert ": " not in summary
