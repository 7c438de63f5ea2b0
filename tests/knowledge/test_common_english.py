"""How common a question's words are in English comes from a shipped table
(knowledge/data/common_english.json) instead of importing wordfreq in every process; the table must give
exactly what wordfreq gives for every word that can be filler."""

from __future__ import annotations

import json

from wordfreq import get_frequency_dict, zipf_frequency

from knowledge.vocabulary import COMMON_ENGLISH, FILLER_MIN_ZIPF, common_words_from_wordfreq, common_zipf
from tests.fresh_process import python_json


def test_the_shipped_table_equals_what_wordfreq_gives_today() -> None:
    shipped = json.loads(COMMON_ENGLISH.read_text(encoding="utf-8"))
    assert shipped["min_zipf"] == FILLER_MIN_ZIPF
    assert shipped["zipf"] == common_words_from_wordfreq(), "run python scripts/build_word_data.py"


def test_every_a_to_z_word_gets_wordfreqs_figure_when_common_and_none_when_rarer() -> None:
    # every a-z word wordfreq knows (about 290,000), and words it does not know at all
    known = [w for w in get_frequency_dict("en") if w.isascii() and w.isalpha() and w.islower()]
    for word in [*known, "keelbot", "zzzzq", "supercalifragilisticexpialidocious"]:
        live = zipf_frequency(word, "en")
        assert common_zipf(word) == (live if live >= FILLER_MIN_ZIPF else None), word


def test_other_words_are_looked_up_in_wordfreq_itself() -> None:
    for word in ("401k", "2fa", "don't", "Heard", "café", "0"):
        live = zipf_frequency(word, "en")
        assert common_zipf(word) == (live if live >= FILLER_MIN_ZIPF else None), word
    assert common_zipf("Heard") == zipf_frequency("heard", "en") >= FILLER_MIN_ZIPF


def test_plain_words_do_not_import_wordfreq() -> None:
    code = (
        "import json, sys\n"
        "from knowledge.vocabulary import common_zipf\n"
        "print(json.dumps([common_zipf('heard'), common_zipf('vacation'), 'wordfreq' in sys.modules]))\n"
    )
    assert python_json(code) == [zipf_frequency("heard", "en"), None, False]
