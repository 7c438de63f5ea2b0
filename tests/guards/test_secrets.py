"""What counts as a secret (graphs/guards/secrets.py): written-out passwords in several phrasings and
languages, user/password pairs, key formats and random-looking tokens; and what does not (ordinary
questions about passwords, long words, paths, UUIDs). The log's scrub uses the same detection."""

from __future__ import annotations

import json

import pytest

from bot.store.scrub import scrub
from graphs.guards import check_input, check_output, secrets
from graphs.guards.types import SourceText
from tests.conftest import REPO

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

# The phrasings of issue 16, as reported: (text, the secret in it).
REPORTED = [
    (f"secret {AWS_SECRET}", AWS_SECRET),
    ("my pw is Hunter2!", "Hunter2!"),
    ("password Hunter2! does not work", "Hunter2!"),
    ("my password's Hunter2!", "Hunter2!"),
    ("mein Passwort ist Hunter2!", "Hunter2!"),
    ("login alice / Hunter2!", "Hunter2!"),
]
# Variants: other words, connectors, languages, spacing, quotes and key formats.
VARIANTS = [
    ("my password is Tr0ub4dor&3 but it does not work", "Tr0ub4dor&3"),
    ("my password’s Qz7!mark", "Qz7!mark"),
    ("my password is: Kx9$plain", "Kx9$plain"),
    ("My new password for SAP is Sap#2024go", "Sap#2024go"),
    ("the password was changed to Chg3d!pw", "Chg3d!pw"),
    ("I set my password to S3tTo!pw", "S3tTo!pw"),
    ("Password=Eq8ls!pw", "Eq8ls!pw"),
    ("PASSWORD: Upper9!pw", "Upper9!pw"),
    ("pwd: Pwd7?short", "Pwd7?short"),
    ("pw=hunter22", "hunter22"),
    ("pass: Pass5%only", "Pass5%only"),
    ('the wifi password is "sunshine"', "sunshine"),
    ("my password is 'moonlight'", "moonlight"),
    ("my password is 48151623", "48151623"),
    ("password:\nMulti7!line\nthanks", "Multi7!line"),
    ("passphrase is Correct-Horse-9-Battery", "Correct-Horse-9-Battery"),
    ("PIN 4821", "4821"),
    ("my PIN is 7394", "7394"),
    ("my passcode is 771203", "771203"),
    # German
    ("Mein Passwort: Dt5!wort", "Dt5!wort"),
    ("das Passwort lautet Lautet4!x", "Lautet4!x"),
    ("Mein Passwort für das WLAN ist Wlan2024!", "Wlan2024!"),
    ("Kennwort: Kenn8#wort", "Kenn8#wort"),
    ("ich habe mein Passwort auf Neu5!pw geändert", "Neu5!pw"),
    ("Benutzer alice / Passwort Ben7!pw", "Ben7!pw"),
    ("mein PIN ist 5823", "5823"),
    # French
    ("mon mot de passe est Fr4nce!pw", "Fr4nce!pw"),
    ("mot de passe : Deux2pts!", "Deux2pts!"),
    ("mon mdp c'est Mdp9!fr", "Mdp9!fr"),
    ("j'ai changé mon mot de passe en Chg7!fr", "Chg7!fr"),
    ("identifiants : alice / Ident8!fr", "Ident8!fr"),
    ("code PIN 6402", "6402"),
    # Spanish
    ("mi contraseña es Espa5!na", "Espa5!na"),
    ("la contraseña del wifi es Wifi9!es", "Wifi9!es"),
    ("mi clave es Clave3!es", "Clave3!es"),
    ("cambié mi contraseña a Camb4!es", "Camb4!es"),
    ("usuario alice contraseña Usu6!es", "Usu6!es"),
    # Portuguese
    ("minha senha é Brasil7!pt", "Brasil7!pt"),
    ("a senha do email é Email2!pt", "Email2!pt"),
    ("senha: Dois9pts!", "Dois9pts!"),
    ("a palavra-passe é Palavra8!pt", "Palavra8!pt"),
    ("mudei minha senha para Mud3i!pt", "Mud3i!pt"),
    ("usuário alice / senha Usua4!pt", "Usua4!pt"),
    # Italian, Dutch
    ("la password è Itali4!pw", "Itali4!pw"),
    ("mijn wachtwoord is Wacht8!nl", "Wacht8!nl"),
    # user / password pairs
    ("login: bob / P4ir!slash", "P4ir!slash"),
    ("Login alice/Sl4sh!nospace", "Sl4sh!nospace"),
    ("credentials: alice:Col0n!pair", "Col0n!pair"),
    ("my credentials are alice / Cred5!pair", "Cred5!pair"),
    ("user alice pass Us3r!pass", "Us3r!pass"),
    ("username alice password Uname7!pw", "Uname7!pw"),
    ("user=alice pass=Equ4ls!pair", "Equ4ls!pair"),
    ("Login: alice@example.com, Comm4!pair", "Comm4!pair"),
    # keys and tokens, by keyword
    ("api key abc123def456ghi789", "abc123def456ghi789"),
    ("the token for Jira is ABCD1234efgh", "ABCD1234efgh"),
    ("client secret = 9f8e7d6c5b4a", "9f8e7d6c5b4a"),
    (f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    ("api key: 123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-12d3-a456-426614174000"),
    ("reset link https://acme.example/reset?token=Zx81kq0PmN4tR7vW", "Zx81kq0PmN4tR7vW"),
    # known formats, with no keyword
    ("why is AKIAIOSFODNN7EXAMPLE denied?", "AKIAIOSFODNN7EXAMPLE"),
    (f"is {AWS_SECRET} still valid?", AWS_SECRET),
    ("use ghp_abcdefghijklmnopqrstuvwxyz0123456789 for the repo", "ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
    ("fine-grained github_pat_11ABCDEFG0abcdefghijKLMNOP_qrstuvwx", "github_pat_11ABCDEFG0abcdefghijKLMNOP_qrstuvwx"),
    ("bot token xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp"),
    ("user token xoxp-1234-5678-abcdef", "xoxp-1234-5678-abcdef"),
    ("app token xapp-1-A0123-1234567890-abcdef0123456789", "xapp-1-A0123-1234567890-abcdef0123456789"),
    (
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok?",
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ),
    (
        "key -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAA",
    ),
    ("db postgres://app:S3cr3tPw@db.internal:5432/keel", "S3cr3tPw"),
    # random-looking tokens, with no keyword
    ("X7kP9mQ2vL5nR8tW3yZ6 is what the portal shows", "X7kP9mQ2vL5nR8tW3yZ6"),
    ("hex 9fceb02d0ae598e95dc970b74767f19372d61af8 here", "9fceb02d0ae598e95dc970b74767f19372d61af8"),
    ("generated: Xy7$kP9!mQ2#vL5&nR8t", "Xy7$kP9!mQ2#vL5&nR8t"),
]
ORDINARY = [
    "How do I reset my password?",
    "What is the password policy?",
    "my password expired, what do I do?",
    "Where do I find the API key docs?",
    "my password is not working",
    "My password is expired.",
    "Is the password case-sensitive?",
    "How long must my password be? Is 12 characters enough?",
    "The password must be at least 12 characters and contain 1 symbol.",
    "I typed my password wrong 5 times",
    "Which password manager does the company use: 1Password or LastPass?",
    "password: forgotten. help!",
    "my pw expired yesterday",
    "I forgot my PIN, how do I get a new one?",
    "My PIN is 4 digits, can I make it 6?",
    "What's the wifi password for the 3rd floor?",
    "Where do I get an API token for Jira?",
    "The token expired after 24h, is that normal?",
    "the token is valid for 3600 seconds",
    "The API key for Jira expired in March 2024",
    "How do I rotate the secret for our Slack app?",
    "Is secret santa happening this year?",
    "My credentials are not working for the VPN",
    "How do I change my user name / display name?",
    "Login problem: account locked after 3 tries",
    "I lost my boarding pass 123456 at the airport",
    "I changed my password to something stronger, fine?",
    "Mein Passwort ist abgelaufen, was tun?",
    "Wie setze ich mein Passwort zurück?",
    "Ich habe das Passwort in Outlook geändert",
    "J'ai oublié mon mot de passe, que faire ?",
    "Mon mot de passe est expiré",
    "¿Cómo cambio mi contraseña?",
    "Mi contraseña no funciona",
    "Esqueci minha senha, como recupero?",
    "A minha senha expirou",
    # long words, names, paths, versions, dates, ids
    "Donaudampfschifffahrtsgesellschaftskapitän",
    "pneumonoultramicroscopicsilicovolcanoconiosis is a long word",
    "What does covid19vaccinationcentre2021 mean?",
    "The file Leave_Policy_2024_final_v2.pdf is outdated",
    "Open /work/main/knowledge/samples/workplace/lisbon-office.md please",
    "Version 1.2.3-beta.4+build.5678 is installed",
    "The meeting is on 2024-05-01T10:00:00Z in room B2",
    "Call the helpdesk at ext 4455; the ticket is INC-20240311-0042.",
    "Slack thread 1712345678.123456 in C0123ABCD by U0123ABCD",
    "Can you summarise https://docs.google.com/document/d/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/edit",
]
# The rule for UUIDs: an identifier, kept (a hyphenated UUID, or an unhyphenated one with UUID version and
# variant bits, like Keel's own turn ids), unless a keyword says it is a key ("api key: <uuid>", above).
UUID_SENTENCES = [
    "My ticket 123e4567-e89b-12d3-a456-426614174000 is still open",
    "See turn 3f2a9c8e1b7d4e6fa0c5b2d8e9f1a3c7 in the log",
]


@pytest.mark.parametrize(("text", "secret"), REPORTED + VARIANTS)
def test_every_phrasing_is_masked(text: str, secret: str) -> None:
    masked = secrets.redact(text)
    assert secret not in masked
    assert secrets.MASK in masked
    assert secrets.redact(masked) == masked  # idempotent: "[SECRET]" is not a secret


@pytest.mark.parametrize(("text", "secret"), REPORTED)
def test_the_reported_phrasings_are_redacted_by_the_input_guard(text: str, secret: str) -> None:
    report = check_input(text)
    assert report.action == "redact", [v for v in report.verdicts if not v.passed]
    assert secret not in report.text
    failed = {v.check: v for v in report.verdicts if not v.passed}
    assert set(failed) == {"secrets"}  # a pasted key is not mistaken for an unknown language any more
    assert secret not in failed["secrets"].reason


@pytest.mark.parametrize("text", ORDINARY + UUID_SENTENCES)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert secrets.find_secrets(text) == []


def test_only_the_value_is_masked() -> None:
    assert secrets.redact("password Hunter2! does not work") == "password [SECRET] does not work"
    assert secrets.redact("Mein Passwort für das WLAN ist Wlan2024!") == "Mein Passwort für das WLAN ist [SECRET]"
    assert secrets.redact("login alice / Hunter2!") == "login alice / [SECRET]"
    assert secrets.redact("OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z") == "OPENAI_API_KEY=[SECRET]"
    assert secrets.redact("Authorization: Bearer abc.def1234567890") == "Authorization: Bearer [SECRET]"


def test_the_reason_names_the_kind_never_the_value() -> None:
    text = f"my pw is Hunter2!, login bob / Pa55!word, secret key {AWS_SECRET}, or X7kP9mQ2vL5nR8tW3yZ6"
    kinds = [s.kind for s in secrets.find_secrets(text)]
    assert kinds == ["Password", "Credentials", "Key or token", "High-entropy string"]
    (verdict,) = [v for v in check_input(text).verdicts if v.check == "secrets"]
    assert "4 secret(s) masked" in verdict.reason and "Hunter2" not in verdict.reason


@pytest.mark.parametrize(("text", "secret"), REPORTED + VARIANTS)
def test_the_log_scrub_uses_the_same_detection(text: str, secret: str) -> None:
    scrubbed = scrub(text) or ""
    assert secret not in scrubbed and secrets.MASK in scrubbed
    assert scrubbed == scrub(secrets.redact(text))  # the scrub adds e-mails and cards, nothing about secrets


def test_no_handbook_question_is_taken_for_a_secret() -> None:
    """False positives on ordinary employee questions: the 312-question handbook set (and the turns of
    their threads). docs/_issue16_secrets.md has the rate on the other benign sets."""
    flagged = []
    for line in (REPO / "benchmarks" / "data" / "handbook_questions.jsonl").read_text().splitlines():
        item = json.loads(line)
        flagged += [q for q in [item["question"], *item.get("thread", [])] if secrets.find_secrets(q)]
    assert flagged == []


def test_an_answer_may_repeat_a_token_its_source_shows_but_not_a_new_one() -> None:
    sources = [SourceText(1, "The sandbox key is X7kP9mQ2vL5nR8tW3yZ6 (test data only).", "dev.md")]
    shown = check_output("The sandbox key is X7kP9mQ2vL5nR8tW3yZ6 [1].", sources)
    assert "X7kP9mQ2vL5nR8tW3yZ6" in shown.text
    made_up = check_output("The sandbox key is X7kP9mQ2vL5nR8tW3yZ6 [1]. Mine is Qw8eR7tY6uI5oP4aS3dF [1].", sources)
    assert "Qw8eR7tY6uI5oP4aS3dF" not in made_up.text


def test_long_and_hostile_inputs_stay_fast() -> None:
    import time

    for text in ("x" * 4000, "a/" * 2000, "user: " * 660, "password for the my " * 200, "=" * 4000):
        started = time.perf_counter()
        secrets.find_secrets(text)
        assert time.perf_counter() - started < 1.0, text[:20]
