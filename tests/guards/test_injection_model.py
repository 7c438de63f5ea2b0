"""The injection classifier as shipped: it reads what the code measures, and never refuses on nearness alone."""

from __future__ import annotations

from graphs.guards.injection import detect, injection_model
from graphs.guards.injection_features import FAMILIES, FEATURES
from graphs.guards.patterns import DOCUMENT_SIGNALS, SIGNALS


def test_every_attack_signal_belongs_to_one_behaviour_family():
    names = [s.name for s in SIGNALS + DOCUMENT_SIGNALS]
    assert len(names) == len(set(names)), "a signal is defined twice"
    for name in names:
        assert sum(name in members for members in FAMILIES.values()) == 1, name


def test_the_shipped_model_reads_the_features_the_code_computes():
    model = injection_model()
    assert model is not None, "graphs/guards/data/injection_model.json is missing: run benchmarks/fit_injection.py"
    assert model.names == FEATURES
    assert 0.5 <= model.threshold < 1.0


def test_a_message_that_does_nothing_an_attack_does_is_never_refused_for_sounding_like_one():
    # close in wording to the attack library, but it asks nothing of the assistant's rules
    message = "Our red team wrote a report about persona attacks and prompt tricks on chatbots. Where is it filed?"
    detection = detect(message)
    assert not detection.flagged and not detection.signals
