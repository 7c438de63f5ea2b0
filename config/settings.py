"""Keel's deployment settings: environment variables prefixed ``KEEL_`` and an optional ``.env``.

Behaviour that admins change without a redeploy (channels, guards, hand-over) lives in the policy
file instead; this module only says where things are and which providers to use.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path(".keel")
DEFAULT_COLLECTION = "default"


def keel_home() -> Path:
    """The data directory: ``KEEL_HOME`` if set, else ``./.keel``. Tests point it at a temporary folder."""
    return Path(os.environ.get("KEEL_HOME") or DEFAULT_HOME).expanduser()


class Settings(BaseSettings):
    """Where Keel keeps its data and which external providers it talks to."""

    model_config = SettingsConfigDict(env_prefix="KEEL_", env_file=".env", extra="ignore")

    home: Path = Field(default_factory=keel_home, description="Data directory (KEEL_HOME).")
    embeddings: str = Field(
        default="onnx:all-MiniLM-L6-v2-int8",
        description="Embedder as provider:model; 'onnx:...' is the bundled offline default, "
        "'openai:text-embedding-3-small' uses LangChain's OpenAI embeddings.",
    )
    chroma_url: str | None = Field(
        default=None, description="Chroma server URL (server mode); unset means embedded under KEEL_HOME."
    )
    chroma_timeout: float = Field(
        default=10.0, gt=0, description="Seconds before a call to the Chroma server is abandoned (server mode)."
    )
    default_collection: str = Field(default=DEFAULT_COLLECTION, description="Collection used when none is given.")

    llm: str | None = Field(default=None, description="Chat model as provider:model; unset = extractive answers.")
    llm_strong: str | None = Field(default=None, description="Stronger model for questions judged complex.")
    llm_base_url: str | None = Field(default=None, description="Base URL for an OpenAI-compatible endpoint.")
    llm_api_key: SecretStr | None = Field(default=None, description="API key for the chat model provider.")
    llm_timeout: float = Field(
        default=30.0, gt=0, description="Seconds the chat model may stay silent (each wait for a byte), not the call."
    )
    llm_deadline: float = Field(
        default=20.0, gt=0, description="Seconds a whole model call (answer or follow-up rewrite) may take."
    )
    llm_max_tokens: int = Field(default=512, gt=0, description="Tokens the model may write for an answer.")
    llm_rewrite_max_tokens: int = Field(
        default=96, gt=0, description="Tokens the model may write when rewriting a follow-up question."
    )
    llm_min_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="With a model configured, evidence the judge is less confident in than this is off-topic "
        "and skips the model (handed over); unset = the calibrated default (graphs.drafting.LLM_MIN_CONFIDENCE).",
    )
    embeddings_api_key: SecretStr | None = Field(default=None, description="API key for a remote embedder.")
    embeddings_base_url: str | None = Field(default=None, description="Base URL for a remote embedder.")

    policy: Path | None = Field(default=None, description="Policy file (keel.toml); defaults apply if unset.")

    slack_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KEEL_SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN")
    )
    slack_app_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KEEL_SLACK_APP_TOKEN", "SLACK_APP_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KEEL_SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")
    )
    slack_api_url: str = Field(default="https://slack.com/api/", description="Slack Web API base URL.")
    allow_private_urls: bool = Field(
        default=False,
        description="Let URLs named in Slack (/keel add) reach private, loopback and link-local addresses "
        "(off: an admin's Slack account cannot make Keel fetch internal services). The command line is not "
        "limited. Tests turn it on to ingest from a server on 127.0.0.1.",
    )
    http_max_body: int = Field(
        default=1 << 20,
        gt=0,
        description="HTTP mode: the largest request body Keel reads, in bytes (1 MiB; Slack's largest payload, a "
        "40,000-emoji message, is 0.96 MB). A larger one is answered 413 before it is read.",
    )
    convert_timeout: float = Field(
        default=60.0,
        gt=0,
        description="Seconds one file's conversion to text may take (in a child process) before "
        "it is stopped and the file reported as failed.",
    )
    convert_max_memory_mb: int = Field(
        default=1024,
        ge=256,
        description="Address space, in MB, of the child process that converts files: past it "
        "the file is reported as failed (a zip or XML bomb), not the bot's memory.",
    )
    docx_max_unpacked_mb: float = Field(
        default=100,
        gt=0,
        description="MB a DOCX's parts may inflate to, counted while inflating (the zip's own directory may lie).",
    )
    ingest_max_urls: int = Field(
        default=1000,
        gt=0,
        description="Web pages one ingest run may fetch (URLs named plus sitemap pages); the rest "
        "are reported as skipped.",
    )

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def bm25_path(self) -> Path:
        return self.home / "bm25"

    @property
    def checkpoint_path(self) -> Path:
        return self.home / "threads.sqlite"

    @property
    def log_path(self) -> Path:
        return self.home / "keel.db"


@lru_cache(maxsize=1)
def _cached_settings() -> Settings:
    return Settings()


def get_settings(fresh: bool = False) -> Settings:
    """The process-wide settings; ``fresh=True`` re-reads the environment (tests change it)."""
    if fresh:
        _cached_settings.cache_clear()
    return _cached_settings()
