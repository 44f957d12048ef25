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
    # A refusal that does not name its field gets the field's name in front ("按月还款期数：
    # ..."); one that names it (请填写“税后月收入”。) is said alone.
    data = {"program": installment_program.pk, "months": "99"}
    page = debtor_client.post(url, data).content.decode()
    assert 'id="error-summary"' in page
    summary = page[page.index('id="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert "：" in summary
    assert ": " not in summary
