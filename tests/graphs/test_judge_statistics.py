"""The judge weighs a question's words by the collection's own statistics (graphs/question.py weights,
graphs/evidence.py informative_share): a word the knowledge base rarely uses says more about what is
asked than one on every page, and a word it never uses is one it cannot answer about."""

from __future__ import annotations

from graphs.evidence import informative_share
from graphs.question import analyse_question, stem


def test_rare_words_weigh_more_than_words_on_every_page(sample_kb):
    profile = analyse_question("What does Northwind pay for the Keystone security key?", sample_kb.vocabulary())
    weight = dict(zip(profile.key_terms, profile.weights, strict=True))
    assert weight["keystone"] > weight["northwind"]  # the company's name is on nearly every page


def test_a_word_no_page_uses_is_unseen(sample_kb):
    profile = analyse_question("Do we get a submarine allowance?", sample_kb.vocabulary())
    assert stem("submarine") in profile.unseen and stem("allowance") not in profile.unseen
    assert 0 < informative_share(profile, profile.unseen) < 1


def test_coverage_counts_what_the_passage_names_by_how_informative_it_is(sample_kb):
    profile = analyse_question("What does Northwind pay for the Keystone security key?", sample_kb.vocabulary())
    names_rare = {stem("keystone"), stem("security"), stem("key")}
    names_common = {stem("northwind"), stem("pay")}
    assert informative_share(profile, names_rare) > informative_share(profile, names_common)


def test_without_the_collection_every_word_counts_alike():
    profile = analyse_question("Is the Lisbon office open on Sunday?")
    assert profile.weights == () and profile.unseen == frozenset()
    assert informative_share(profile, {stem("lisbon")}) == 1 / len(profile.key_terms)
