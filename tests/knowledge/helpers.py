"""Small knowledge folders written by the tests themselves."""

from __future__ import annotations

from pathlib import Path

LEAVE = """# Leave policy

## Vacation
Employees get 25 vacation days per calendar year. Contractors get 15 vacation days.

## Parental leave
Parents receive 20 weeks of paid parental leave, to be taken within 18 months of the birth.
"""

EXPENSES = """# Expenses

## Deadlines
Submit expense reports in Ledgerly within 30 days of purchase, with a photo of every receipt.

## Limits
Team dinners are capped at 60 EUR per person.
"""

VPN = """# VPN

## Connecting
Use the Pangolin VPN client. Sign in with your SSO account and approve the MFA prompt.
"""


def write_docs(folder: Path, **docs: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / f"{name}.md").write_text(text)
    return folder


def small_kb_folder(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "kb", leave=LEAVE, expenses=EXPENSES, vpn=VPN)
