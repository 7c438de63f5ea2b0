import numpy as np
import pytest

from knowledge import embed
from knowledge.embed import ModelIntegrityError, OnnxMiniLM, default_embedder, make_embedder


def test_vectors_are_normalised_and_meaningful():
    vectors = default_embedder().embed(
        [
            "How many vacation days do I get?",
            "Employees receive 25 days of paid annual leave.",
            "Printer jams on floor 3",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    question, answer, unrelated = vectors
    assert question @ answer > question @ unrelated + 0.2


def test_batching_by_length_keeps_input_order_and_values():
    texts = [
        "short",
        "a much longer sentence about expense reports and receipts " * 5,
        "medium length text here",
    ]
    together = default_embedder().embed(texts)
    one_by_one = np.vstack([default_embedder().embed([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-3)


def test_long_inputs_are_truncated_not_rejected():
    vectors = default_embedder().embed(["word " * 5000])
    assert vectors.shape == (1, 384)


def test_empty_input_gives_empty_matrix():
    assert default_embedder().embed([]).shape == (0, 384)


def test_a_tampered_model_file_is_refused(monkeypatch):
    monkeypatch.setattr(embed, "MINILM_SHA256", "0" * 64)
    with pytest.raises(ModelIntegrityError, match="refusing to run an unverified model"):
        OnnxMiniLM()


def test_unknown_embedder_spec_is_a_clear_error():
    with pytest.raises(ValueError, match="Unknown embedder 'nope:x'"):
        make_embedder("nope:x")


def test_a_lone_surrogate_is_embedded_not_fatal():
    from knowledge.embed import default_embedder

    vectors = default_embedder().embed(["vacation \ud800 days", "vacation ? days"])
    assert float(vectors[0] @ vectors[1]) > 0.999
