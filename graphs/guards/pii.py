"""Personal data recognisers: regular expressions confirmed by checksums where the format has one.

Email, phone, credit card (Luhn), US SSN (issuance rules), IBAN (ISO 13616 mod-97), IP address
(``ipaddress``), street addresses (number + street word), person names (:mod:`graphs.guards.names`).
Found spans are replaced by ``[TYPE]`` so the text stays readable for the model and the log.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graphs.guards.names import find_person_names


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    value: str


# An apostrophe inside a local part ("o'brien@...") is part of it, so the match may not start after one
# that follows a letter; a quote before the address ("'alice@example.com'") is not part of it.
EMAIL = re.compile(
    r"(?<![\w.+-])(?<!\w')[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
CARD = re.compile(r"(?<![\d+-])(?:\d[ -]?){11,18}\d(?![\d-])")
SSN = re.compile(r"(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])")
SSN_CONTEXT = re.compile(r"\b(?:ssn|social security|social-security|tax id|taxpayer)\b", re.I)
IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,3})?)\b")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]*)(?![\w:])")
PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?(?:\(\+?\d{1,4}\)[\s.-]?)?(?:\(0\)\s?)?\d(?:[\d]|[\s.-](?=\d)|\s?\(\d{1,4}\)\s?){5,18}\d"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?(?![\w])",
    re.I,
)
DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}\b|\b\d{1,2}[-./]\d{1,2}[-./]\d{4}")
STREET_WORDS = (
    r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|square|sq|terrace|"
    r"parkway|pkwy|highway|hwy|circle|cir|trail|alley|crescent|close|row|gardens|grove|hill|park|plaza|"
    r"strasse|straße|str|gasse|weg|allee|platz|gatan|gata|vägen|vej|veien|gade|katu|tie|straat|laan|"
    r"rue|via|viale|calle|avenida|rua|ulica|utca|út|cesta|iela|gatve|tee|vei|carrer|rambla|quai|chemin"
)
_UNIT = r"(?i:apt|apartment|suite|ste|unit|flat|floor)\.?\s*#?\s*\d+\w*"
ADDRESS = re.compile(
    # 12 Main Street / 12 Rue de la Paix, Apt 3
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[A-ZÀ-Þ][\w'’.-]*\s+){{1,4}}(?i:{STREET_WORDS})\b\.?(?:,?\s*{_UNIT})?"
    # 20789 Allika 46 / 233 Erzsébet tér 19. (house number, street name, number: many European formats)
    rf"|\b\d{{1,6}}\s+(?:[A-ZÀ-Þ][\w'’-]*\.?\s+){{1,3}}(?:[a-zà-þ]{{1,3}}\.?\s+)?\d{{1,5}}[A-Za-z]?\b\.?"
    # Søndergade 52 / Kiannonkatu 98
    rf"|\b[A-ZÀ-Þ][\w'’-]*(?i:{STREET_WORDS})\s+\d{{1,5}}[A-Za-z]?\b"
    # P.O. Box 12 / PSC 1437, Box 3833
    # (a unit alone, "floor 3" or "suite 501", is a place in the office, not anyone's address)
    rf"|\b(?:P\.?\s?O\.?\s?Box|PSC\s+\d+,?\s+Box)\s+\d+"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    code = candidate.replace(" ", "").upper()
    if not 15 <= len(code) <= 34 or not code[2:4].isdigit():
        return False
    rearranged = code[4:] + code[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def is_card_number(candidate: str) -> bool:
    """Whether a run of digits (spaces and dashes allowed) is a payment card number: 12-19 digits, Luhn."""
    digits = re.sub(r"\D", "", candidate)
    return 12 <= len(digits) <= 19 and luhn_valid(digits) and len(set(digits)) > 1


def _cards(text: str) -> Iterable[Entity]:
    for m in CARD.finditer(text):
        if is_card_number(m.group(0)):
            yield Entity("CREDIT_CARD", m.start(), m.end(), m.group(0))


def _ssns(text: str) -> Iterable[Entity]:
    for m in SSN.finditer(text):
        area, separator, group, serial = m.group(1), m.group(2), m.group(3), m.group(4)
        if area in ("000", "666") or area[0] == "9" or group == "00" or serial == "0000":
            continue
        # Nine digits without dashes are an SSN only when the text says so.
        if separator or SSN_CONTEXT.search(text[max(0, m.start() - 40) : m.start()]):
            yield Entity("US_SSN", m.start(), m.end(), m.group(0))


def _ibans(text: str) -> Iterable[Entity]:
    for m in IBAN.finditer(text):
        value = m.group(0).rstrip()
        if iban_valid(value):
            yield Entity("IBAN", m.start(), m.start() + len(value), value)


def _ips(text: str) -> Iterable[Entity]:
    for pattern in (IPV4, IPV6):
        for m in pattern.finditer(text):
            try:
                address = ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            if (
                address.version == 4
                and m.group(0).count(".") == 3
                and not address.is_unspecified
                or address.version == 6
            ):
                yield Entity("IP_ADDRESS", m.start(), m.end(), m.group(0))


def _phones(text: str) -> Iterable[Entity]:
    for m in PHONE.finditer(text):
        value = m.group(0)
        digits = re.sub(r"\D", "", re.split(r"(?i)x|ext", value)[0])
        if not 7 <= len(digits) <= 15 or DATE_LIKE.search(value):
            continue
        groups = re.findall(r"\d+", value)
        if [len(g) for g in groups] == [3, 2, 4] and "-" in value:
            continue  # shaped like a US SSN: the SSN recogniser decides
        if len(groups) == 1 and len(digits) not in (10, 11) and not value.startswith("+"):
            continue  # a bare run of digits is an ID more often than a phone number
        if len(groups) == 2 and not value.startswith(("+", "(")):
            house_number = re.match(r"[ \t]+[A-ZÀ-Þ]", text[m.end() : m.end() + 3])
            if house_number or ("-" in value and len(groups[0]) != 3 and len(digits) < 10):
                continue  # "3378 217 Lovers Lane" is a house number; "3610-114" a postcode
        yield Entity("PHONE", m.start(), m.end(), value)


def _emails(text: str) -> Iterable[Entity]:
    for m in EMAIL.finditer(text):
        yield Entity("EMAIL", m.start(), m.end(), m.group(0))


def _addresses(text: str) -> Iterable[Entity]:
    for m in ADDRESS.finditer(text):
        yield Entity("ADDRESS", m.start(), m.end(), m.group(0))


def _people(text: str) -> Iterable[Entity]:
    for start, end in find_person_names(text):
        yield Entity("PERSON", start, end, text[start:end])


# Earlier recognisers win overlaps: a card number is not also a phone number.
RECOGNISERS: list[tuple[str, Callable[[str], Iterable[Entity]]]] = [
    ("EMAIL", _emails),
    ("IBAN", _ibans),
    ("CREDIT_CARD", _cards),
    ("US_SSN", _ssns),
    ("IP_ADDRESS", _ips),
    ("PHONE", _phones),
    ("ADDRESS", _addresses),
    ("PERSON", _people),
]


def find_pii(text: str, entities: Iterable[str] | None = None) -> list[Entity]:
    """Non-overlapping PII spans in ``text``, in order of position."""
    wanted = set(entities) if entities is not None else {name for name, _ in RECOGNISERS}
    taken: list[Entity] = []
    for name, recognise in RECOGNISERS:
        if name not in wanted:
            continue
        for entity in recognise(text):
            if not any(entity.start < t.end and t.start < entity.end for t in taken):
                taken.append(entity)
    return sorted(taken, key=lambda e: e.start)


def redact(text: str, found: Iterable[Entity]) -> str:
    """``text`` with each span replaced by ``[TYPE]``."""
    out, cursor = [], 0
    for entity in sorted(found, key=lambda e: e.start):
        out.append(text[cursor : entity.start])
        out.append(f"[{entity.type}]")
        cursor = entity.end
    out.append(text[cursor:])
    return "".join(out)


def describe(found: Iterable[Entity]) -> str:
    """A log-safe summary such as ``2 EMAIL, 1 PHONE`` (types and counts, never the values)."""
    counts: dict[str, int] = {}
    for entity in found:
        counts[entity.type] = counts.get(entity.type, 0) + 1
    return ", ".join(f"{n} {kind}" for kind, n in counts.items())
