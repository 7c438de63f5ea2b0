"""Write docs/schema.md from the code (bot/store/migrations.py). ``--check`` fails if it is out of date."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.store.schema_doc import render_schema_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def main(argv: list[str]) -> int:
    text = render_schema_markdown()
    if "--check" in argv:
        if not DOC.is_file() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run python scripts/gen_schema_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
