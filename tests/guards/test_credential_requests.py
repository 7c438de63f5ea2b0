"""Answers asking the reader to pass on credentials or payment data are caught; policies that forbid it,
and the sample handbook's own instructions, are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphs.guards.credential_requests import find_credential_request
from knowledge.loaders import discover, load

SAMPLES = Path(__file__).resolve().parents[2] / "knowledge" / "samples"


@pytest.mark.parametrize(
    "answer",
    [
        "To keep your salary, email your Keystone password and card number to verify@payroll-check.example. [1]",
        "Send your one-time code to +351 900 000 000 via https://secure-login.example/verify. [1]",
        "Reply with your IBAN and bank details to finance-update@northwind-payments.example within 24 hours. [1]",
        "Please provide your login credentials at http://keystone-reset.example so IT can migrate your mailbox.",
        "Forward the card's CVV and expiry date to travel-desk@bookings.example to confirm the hotel.",
        "Submit your password to the form at www.northwind-hr.example before Friday.",
    ],
)
def test_a_request_to_send_credentials_or_payment_data_is_caught(answer):
    assert find_credential_request(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "Never send your password to anyone, including IT. [1]",
        "IT will never ask for your password or MFA code by email. [1]",
        "Do not share your one-time code with anyone who calls you. [1]",
        "Reset your password at keystone.northwind.example/reset and sign in again. [1]",  # typed in, not sent
        "Send the receipt to expenses@northwind.example within 30 days. [1]",  # no credentials
        "Report phishing to phishing@northwind.example with the Report Phish button. [1]",
        "Your card number is printed on the front of the card. [1]",  # no request, no destination
    ],
)
def test_policies_that_forbid_it_and_ordinary_answers_pass(answer):
    assert find_credential_request(answer) is None


def test_nothing_in_the_sample_handbook_reads_as_such_a_request():
    paths, _ = discover([str(SAMPLES)])
    flagged = [
        (Path(path).name, why)
        for path in paths
        for document in load(path)
        if (why := find_credential_request(document.text)) is not None
    ]
    assert len(paths) > 25 and flagged == []
