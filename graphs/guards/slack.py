"""Slack safety of an answer: no channel-wide or group pings, no links to domains nobody vouched for.

A bot message containing ``<!channel>``, ``<!here>``, ``<!everyone>`` or ``<!subteam^ID>`` notifies
everyone in the channel or group; an injected document can try to make the bot do exactly that.

Links are allowed when their domain (or a parent domain) is in the policy's allow-list
(``allowed_link_domains``), or is the host of a web page the answer cites (an admin chose to ingest that
site). A domain merely written inside a source's text vouches for nothing: a planted "policy" could name any
phishing site. Internal links (an intranet, a wiki) are allowed by listing the company's own domains.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

SPECIAL_MENTION = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>|<!subteam\^[A-Z0-9]+(?:\|@?([^>]*))?>", re.I)
PLAIN_MENTION = re.compile(r"(?<![\w`])@(channel|here|everyone)\b", re.I)
SLACK_LINK = re.compile(r"<((?:https?|ftp)://[^|>\s]+)(?:\|([^>]*))?>", re.I)
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*((?:https?|ftp)://[^)\s]+)[^)]*\)", re.I)
BARE_URL = re.compile(r"(?<![<(|\w])((?:https?|ftp)://[^\s<>()\"']+|www\.[^\s<>()\"']+)", re.I)


@dataclass(frozen=True)
class SlackFindings:
    mentions: int
    links_removed: list[str]  # domains only, for the log
    fixed: str


def domain_of(url: str) -> str:
    if url.lower().startswith("www."):
        url = "http://" + url
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def web_hosts(sources: Iterable[str]) -> set[str]:
    """The hosts of the sources that are web pages (files have none)."""
    return {domain_of(s) for s in sources if s.lower().startswith(("http://", "https://"))} - {""}


def _allowed(domain: str, allowed: set[str]) -> bool:
    parts = domain.split(".")
    return any(".".join(parts[i:]) in allowed for i in range(len(parts) - 1))


def make_safe(answer: str, allowed_domains: Iterable[str], sources: Iterable[str]) -> SlackFindings:
    """``answer`` without channel pings and with links outside the allow-list removed; ``sources``: where
    the cited passages come from (paths or URLs)."""
    allowed = {d.lower().lstrip(".") for d in allowed_domains} | web_hosts(sources)
    mentions = 0

    def unping(match: re.Match[str]) -> str:
        nonlocal mentions
        mentions += 1
        if match.group(0).lower().startswith("<!subteam"):
            return (match.group(2) or "the team").lstrip("@")  # "contact <!subteam^S1|@hr>" -> "contact hr"
        return ""  # an answer never needs @here, @channel or @everyone

    text = SPECIAL_MENTION.sub(unping, answer)
    text = PLAIN_MENTION.sub(unping, text)
    if mentions:
        text = re.sub(r"[ \t]{2,}", " ", text).strip()
    removed: list[str] = []

    def check_link(url: str, label: str | None) -> str | None:
        domain = domain_of(url)
        if domain and _allowed(domain, allowed):
            return None
        removed.append(domain or "?")
        return label.strip() if label and label.strip() and "://" not in label else "[link removed]"

    def slack_link(match: re.Match[str]) -> str:
        replacement = check_link(match.group(1), match.group(2))
        return match.group(0) if replacement is None else replacement

    def markdown_link(match: re.Match[str]) -> str:
        replacement = check_link(match.group(2), match.group(1))
        return match.group(0) if replacement is None else replacement

    def bare(match: re.Match[str]) -> str:
        replacement = check_link(match.group(1), None)
        return match.group(0) if replacement is None else replacement

    text = SLACK_LINK.sub(slack_link, text)
    text = MARKDOWN_LINK.sub(markdown_link, text)
    text = BARE_URL.sub(bare, text)
    return SlackFindings(mentions, removed, text)
