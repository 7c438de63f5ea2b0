"""An OpenAI-compatible stub server on 127.0.0.1: the LLM vendor's edge, faked over the real wire protocol."""

from .fixtures import point_llm_at
from .server import DEFAULT_TEXT, LLMStub, RecordedRequest, Reply
from .wire import EMBEDDING_DIMENSION, STUB_MODEL, hashed_unit_vector

__all__ = [
    "DEFAULT_TEXT",
    "EMBEDDING_DIMENSION",
    "STUB_MODEL",
    "LLMStub",
    "RecordedRequest",
    "Reply",
    "hashed_unit_vector",
    "point_llm_at",
]
