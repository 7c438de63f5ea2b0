"""Secrets recognised by what is written around them: "my pw is Hunter2!", "mein Passwort ist ...",
"login alice / Hunter2!", "api_key=...", "?token=...".

A keyword (a password word or a key/token word, in English, German, French, Spanish, Portuguese, Italian
and Dutch) is followed by an optional qualifier ("for the VPN", "du wifi"), a connector ("is", "'s", "ist",
"est", "es", "é", "=", ":", "set to", ...) and the value. The value counts as a secret when it looks like
one: a digit, a symbol or an upper-case letter inside it, or quotes around it after a connector; digits
alone are a PIN or a password from 4 digits on. Without a connector ("password Hunter2! does not work")
the value must be longer (6 characters for passwords, 8 for keys and tokens), so "password policy",
"password expired" or "the API key docs" are left alone.

Only the value is masked; the words around it stay, so the log still says what was asked about.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Words for a PIN: digits alone are the secret ("PIN 4821").
PIN_WORDS = (
    r"pin(?:[ -]?(?:code|number|nummer))?|passcode|geheimzahl|zugangscode|code (?:secret|pin|d'accès)|"
    r"código (?:secreto|pin|de acceso|de acesso)|codice (?:segreto|pin)"
)
# Words for a password (short values are enough: "Hunter2!").
PASSWORD_WORDS = (
    r"pass(?:word|wd|phrase)?s?|p/?w|pwd|pword|"
    r"passw(?:o|ö)rt(?:es|er)?|kennw(?:o|ö)rt(?:es|er)?|"  # de
    r"mots? de passe|mdp|"  # fr
    r"contraseñas?|contrasena|clave(?: de acceso)?|"  # es
    r"senhas?|palavras?[ -]passe|"  # pt
    r"parola d'ordine|wachtwoord(?:en)?"  # it, nl
)
# Words for keys and tokens (values are longer).
KEY_WORDS = (
    r"api[ _-]?keys?|apikey|(?:secret[ _-]?)?access[ _-]?(?:key|token)(?:[ _-]?id)?|aws_secret_access_key|"
    r"secret(?:[ _-]?key)?|client[ _-]?secret|signing[ _-]?(?:secret|key)|private[ _-]?key|"
    r"(?:auth(?:entication|orization)?|bearer|refresh|session|personal[ _-]access|access|api|bot|app)[ _-]?tokens?|"
    r"tokens?|bearer|credentials?|creds|session[ _-]?(?:id|key|cookie)|"
    r"api[ -]?schlüssel|zugangs(?:daten|schlüssel|token)|geheimnis|"  # de
    r"clés? (?:d'api|api|d'accès|secrète)|jetons?(?: d'accès| d'api)?|identifiants?|"  # fr
    r"claves? (?:de )?api|credenciales|token de acceso|secreto|"  # es
    r"chaves? (?:de )?api|credenciais|chave de acesso|token de acesso|segredo|"  # pt
    r"chiave (?:api|segreta)|credenziali|geheime sleutel"  # it, nl
)
# "for the VPN", "für das WLAN", "du wifi", "del correo", "do e-mail": what the secret is for.
_QUALIFIER = (
    r"(?:\s+(?:for|on|of|to|at|in|with|für|zu|vom|von|bei|de|du|des|pour|sur|para|en|do|da|no|na|del|per|di|voor)"
    r"(?:\s+(?:the|my|our|your|this|le|la|les|l'|el|los|o|a|os|as|die|das|den|dem|der|mein\w*|mon|ma|mes|mi|mis|"
    r"meu|minha|il|lo|het|de))?\s+[\w.@-]{1,30}(?![\w.@-])){0,2}"
)
_CONNECTOR = (  # "changed to" first: "was" alone would take "changed" for the value
    r"\s+(?:(?:is|was|has been|got|ist|wurde|est|a été|es|fue|é|foi)\s+)?(?:set|changed|reset|updated|geändert|"
    r"gesetzt|changé|défini|cambiad[ao]|cambié|alterad[ao]|mudei|mudad[ao])\s+(?:to|auf|zu|in|en|pour|à|a|para|em)"
    r"(?!\w)"
    r"|(?:\s*(?:=>|:=|==|=|:|->)|['’]s(?!\w)|\s+(?:is|was|are|were|ist|war|lautet|sind|est|était|sont|c'est|es|era|"
    r"son|é|são|è|sono|zijn)(?!\w)(?:\s*:)?)"
    r"(?:\s+(?:now|still|currently|just|simply|literally|jetzt|noch|immer noch|maintenant|toujours|ahora|todavía|"
    r"agora|ainda|ora|nu)(?!\w))?"
)
_VALUE = r"(?P<quote>[\"'“‘«`])?(?P<value>(?(quote)[^\s\"'”’»`]+|\S+))"
_KEYWORD = rf"(?<![\w-])(?:(?P<pin>{PIN_WORDS})|(?P<pw>{PASSWORD_WORDS})|(?P<key>{KEY_WORDS}))(?![\w-])"
CONTEXT = re.compile(rf"(?i){_KEYWORD}[\"'\]]?{_QUALIFIER}(?:(?P<connector>{_CONNECTOR})\s*|\s+){_VALUE}")
# "I set my password to Hunter2!", "j'ai changé mon mot de passe en ...", "cambié mi contraseña a ...",
# "mudei minha senha para ...", "ich habe mein Passwort auf ... geändert".
_CHANGE_VERB = (
    r"set|changed?|reset|updated?|made|changé|modifié|mis|défini|cambi(?:é|ado|ada|ar)|puse|mudei|alterei|"
    r"mudad[ao]|alterad[ao]|defini|coloquei|ge(?:ä|ae)ndert|gesetzt|umgestellt"
)
CHANGED_TO = re.compile(
    rf"(?i)(?<![\w-])(?:{_CHANGE_VERB})\s+(?:[\w'’]+\s+){{0,2}}?{_KEYWORD}\s+"
    rf"(?P<connector>to|as|en|pour|à|a|para|em|auf|zu)\s+{_VALUE}"
)
CHANGED_TO_DE = re.compile(
    rf"(?i){_KEYWORD}\s+(?P<connector>auf|zu|in)\s+{_VALUE}\s+(?:ge(?:ä|ae)ndert|gesetzt|umgestellt)(?!\w)"
)
# "login alice / Hunter2!", "user alice pass Hunter2!", "credentials: alice:Hunter2!"
_ACCOUNT_WORDS = (
    r"log[ -]?in|logon|sign[ -]?in|user(?:[ -]?name| ?id)?|account|acct|credentials?|creds|"
    r"benutzer(?:name)?|nutzer(?:name)?|anmeldung|anmeldedaten|zugangsdaten|login-daten|"
    r"identifiants?|utilisateur|nom d'utilisateur|usuario|usuário|utilizador|credenciales|credenciais|"
    r"credenziali|utente|gebruiker(?:snaam)?"
)
_PAIR_PASSWORD = r"pw|pwd|pass(?:word)?|passwort|kennwort|mot de passe|mdp|contraseña|senha|clave|wachtwoord"
PAIR = re.compile(
    rf"(?i)(?<![\w-])(?:{_ACCOUNT_WORDS})(?![\w-])(?:\s*[:=]|\s+(?:is|are|ist|sind|est|sont|es|son|é|são))?\s*"
    rf"(?P<user>[^\s/|:,;\"']{{2,64}})\s*(?:(?P<sep>[/|:,;])|\s+(?P<named>{_PAIR_PASSWORD})\s*[:=]?)\s*"
    r"(?P<value>[^\s\"']+)"
)
# "https://x/reset?token=...", "&api_key=...": secrets in query strings.
QUERY = re.compile(
    r"(?i)[?&;](?:access_?token|token|auth|api_?key|apikey|key|secret|client_secret|password|pwd|passwd|sig|"
    r"signature|x-amz-signature|x-amz-credential|x-amz-security-token|code)=(?P<value>[^\s&#\"'<>]{8,})"
)
_PLACEHOLDER = re.compile(r"\[[A-Z_]{2,20}\][.,;:!?)]*|[*•xX.·_-]+|<[^<>]{1,40}>|\{[^{}]{1,40}\}|\.\.\.")
_EDGES = ".,;:!?)]}\"'”’»`("


@dataclass(frozen=True)
class Found:
    kind: str
    start: int
    end: int


def find(text: str) -> Iterator[Found]:
    """Every value a keyword, a user/password pair or a query parameter marks as a secret."""
    yield from _keyword_values(text)
    yield from _pairs(text)
    for m in QUERY.finditer(text):
        if not is_placeholder(m.group("value")):
            yield Found("Token in URL", m.start("value"), m.end("value"))


KINDS = {"pin": "PIN", "pw": "Password", "key": "Key or token"}


def _keyword_values(text: str) -> Iterator[Found]:
    for pattern in (CONTEXT, CHANGED_TO, CHANGED_TO_DE):
        for m in pattern.finditer(text):
            word = next(name for name in KINDS if m.group(name) is not None)
            connector = m.group("connector")
            if m.group(word).lower() == "pass" and (connector or "").strip() not in (":", "="):
                continue  # "pass" alone is a keyword only in "pass: ..." / "pass=...", not "boarding pass 123456"
            if looks_secret(
                m.group("value"), word=word, connector=connector is not None, quoted=m.group("quote") is not None
            ):
                yield Found(KINDS[word], m.start("value"), m.end("value"))


def _pairs(text: str) -> Iterator[Found]:
    for m in PAIR.finditer(text):
        value = m.group("value")
        core = strip_edges(value)
        if is_placeholder(value) or len(core) < 4:
            continue
        named = m.group("named") is not None
        if (named and looks_secret(value, word="pw", connector=True, quoted=False)) or classes(core) >= 3:
            yield Found("Credentials", m.start("value"), m.end("value"))


# The shortest value that counts, by keyword, with and without a connector ("is", "=", ":").
SHORTEST = {"pin": (4, 4), "pw": (4, 6), "key": (6, 8)}


def looks_secret(value: str, *, word: str, connector: bool, quoted: bool) -> bool:
    """Whether a value written after a PIN, password or key word (``word``: a key of :data:`KINDS`) is the
    secret itself rather than an ordinary word ("expired", "policy", "8 characters")."""
    core = strip_edges(value)
    if not core or is_placeholder(value) or is_placeholder(core):
        return False
    with_connector, without = SHORTEST[word]
    if len(core) < (with_connector if connector else without):
        return False
    if quoted and connector:  # my password is "sunshine"
        return True
    return _has_digit(core) or _has_symbol(core) or _inner_upper(core)  # "PIN 4821", "Hunter2!", "hUnter"


def strip_edges(value: str) -> str:
    start, end = 0, len(value)
    while start < end and value[start] in _EDGES:
        start += 1
    while end > start and value[end - 1] in _EDGES:
        end -= 1
    return value[start:end]


def is_placeholder(value: str) -> bool:
    """``[SECRET]``, ``****``, ``<your token>``, ``{token}``, ``...``: not a secret (and masking stays idempotent)."""
    return bool(_PLACEHOLDER.fullmatch(value))


def classes(core: str) -> int:
    """How many of lower case, upper case, digits and symbols a value uses."""
    return sum((any(c.islower() for c in core), any(c.isupper() for c in core), _has_digit(core), _has_symbol(core)))


def _has_digit(core: str) -> bool:
    return any(c.isdigit() for c in core)


def _has_symbol(core: str) -> bool:
    """A symbol that words do not carry: hyphens and apostrophes join words ("e-mail", "isn't")."""
    return any(not c.isalnum() and c not in "-'’" for c in core)


def _inner_upper(core: str) -> bool:
    """An upper-case letter after a lower-case one ("hUnter", "myPass"), which words do not have."""
    return any(a.islower() and b.isupper() for a, b in zip(core, core[1:], strict=False))
