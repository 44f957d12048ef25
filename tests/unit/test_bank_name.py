"""Every text message names its sender, the bank, in the reader's language (settings
BANK_NAME, BANK_NAME_ZH): never a placeholder such as "[Your bank]"."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import translation

SMS_TEMPLATES = [
    "sms/code.txt",
    "sms/signing_code.txt",
    "sms/notification.txt",
    "sms/access.invitation.txt",
    "sms/access.password_reset.txt",
    "sms/access.password_changed.txt",
    "sms/access.contact_changed.txt",
    "sms/access.sign_in_paused.txt",
    "sms/access.password_check_paused.txt",
]


@pytest.mark.parametrize("template", SMS_TEMPLATES)
def test_every_text_message_is_signed_with_the_bank_s_name(settings, template):
    settings.BANK_NAME, settings.BANK_NAME_ZH = "Example Bank", "示例银行"
    context = {"code": "123456", "minutes": 10, "link": "https://x/", "hours": 72}
    with translation.override("en"):
        assert render_to_string(template, context).strip().startswith("[Example Bank] ")
    with translation.override("zh-hans"):
        text = render_to_string(template, context).strip()
    assert text.startswith("【示例银行】")
    assert "您的银行】" not in text
