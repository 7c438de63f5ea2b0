"""Guard test helpers: policies built from TOML text, numbered sources."""

from __future__ import annotations

import pytest

from graphs.guards import SourceText
from graphs.policy import Policy, parse_policy


def policy_from(toml: str = "") -> Policy:
    return parse_policy(toml, source="test.toml")


@pytest.fixture
def hr_sources() -> list[SourceText]:
    return [
        SourceText(
            1,
            "Employees get 25 days of annual leave per year. Unused days can be carried over until "
            "March 31 of the following year.",
            "handbook/leave.md",
        ),
        SourceText(
            2,
            "Parental leave is 16 weeks at full pay for every parent. Ask the HR team at "
            "hr@acme.example or call +44 20 7946 0000 to apply. Forms are on https://intranet.acme.example/hr.",
            "handbook/parental.md",
        ),
        SourceText(
            3, "Expenses above 500 euros need approval from your manager before you book travel.", "finance/expenses.md"
        ),
    ]
