"""The policy a graph runs with comes from the Settings it was built from (not a process-wide lookup),
and the channel's ``tone`` reaches the model's instructions (LangChain's real OpenAI client against the
stub server on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings, get_settings
from graphs.agent import Agent
from tests.llm_stub import LLMStub, Reply, point_llm_at

ANSWER = "Parents receive 20 weeks of paid parental leave [1]."


@pytest.fixture
def llm_env(monkeypatch: pytest.MonkeyPatch, llm_stub: LLMStub) -> LLMStub:
    point_llm_at(llm_stub, monkeypatch, timeout=2)
    return llm_stub


def settings_with_policy(tmp_path: Path, name: str, text: str) -> Settings:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return get_settings().model_copy(update={"policy": path})


def system_prompt(stub: LLMStub) -> str:
    system, _ = stub.chat_requests[-1].messages
    return str(system["content"])


def test_the_channels_tone_is_in_the_model_prompt_and_the_default_adds_nothing(kb, llm_env, tmp_path):
    settings = settings_with_policy(tmp_path, "keel", '[channels.C0FRIENDLY]\ntone = "friendly"\n')
    agent = Agent.from_settings(settings, kb=kb)
    llm_env.queue(Reply(text=ANSWER), Reply(text=ANSWER))
    assert agent.ask("How long is parental leave?", channel="C0FRIENDLY").answer == ANSWER
    assert "Write in a friendly tone." in system_prompt(llm_env)
    agent.ask("How long is parental leave?", channel="C0ELSEWHERE")
    assert "tone" not in system_prompt(llm_env)  # "neutral": the rules as they were measured


def test_two_settings_naming_two_policy_files_run_two_policies_in_one_process(kb, llm_env, tmp_path):
    formal = Agent.from_settings(settings_with_policy(tmp_path, "formal", '[defaults]\ntone = "formal"\n'), kb=kb)
    casual = Agent.from_settings(settings_with_policy(tmp_path, "casual", '[defaults]\ntone = "casual"\n'), kb=kb)
    llm_env.queue(Reply(text=ANSWER), Reply(text=ANSWER))
    formal.ask("How long is parental leave?")
    assert "Write in a formal tone." in system_prompt(llm_env)
    casual.ask("How long is parental leave?")
    assert "Write in a casual tone." in system_prompt(llm_env)


def test_the_input_guard_applies_the_policy_of_the_settings_passed_in(kb, tmp_path, monkeypatch):
    banned = '[guards.banned_topics]\naction = "refuse"\n[defaults]\nbanned_topics = ["salaries of colleagues"]\n'
    strict = settings_with_policy(tmp_path, "strict", banned)
    monkeypatch.setenv("KEEL_POLICY", str(tmp_path / "strict.toml"))  # the environment names the strict file...
    lenient = get_settings(fresh=True).model_copy(update={"policy": None})  # ...these settings name none
    question = "What are the salaries of my colleagues in the sales team?"
    assert Agent.from_settings(strict, kb=kb).ask(question).decision == "refused"
    assert Agent.from_settings(lenient, kb=kb).ask(question).decision != "refused"
