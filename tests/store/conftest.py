from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Database, open_db


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "keel.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_db(db_path)
    yield database
    database.close()
