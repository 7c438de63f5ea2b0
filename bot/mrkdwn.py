"""Text between Markdown and Slack: answers to mrkdwn, Slack messages to plain questions.

Answers are Markdown (CommonMark with tables and ~~strikethrough~~). Slack's ``mrkdwn`` is a different
dialect: ``*bold*``, ``_italic_``, ``<url|label>`` links, no headings, and ``&``, ``<``, ``>`` escaped.
The Markdown is parsed with markdown-it-py (a CommonMark parser) and rendered node by node, so code
spans, nested lists and links survive; hand-written regexes get those wrong.

Escaping every ``<`` and ``>`` in the answer is also the safety rule: nothing an answer says can form one
of Slack's control sequences (``<@U123>``, ``<!channel>``, ``<#C123>``) and ping people.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

SECTION_LIMIT = 3000  # characters of text in one section block
LINK_SCHEMES = ("http://", "https://", "mailto:")
NESTED_INDENT = "    "
BULLETS = ("•", "◦", "▪")
CITATION = re.compile(r"\[(\d{1,2})\]")
ZERO_WIDTH_SPACE = "\u200b"
_BACKTICK_RUN = re.compile(r"`{2,}")

_parser = MarkdownIt("commonmark").enable(["strikethrough", "table"])


# -- Markdown -> mrkdwn -----------------------------------------------------------------------------------
def escape(text: str) -> str:
    """Slack's three escapes; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(markdown: str, citation_links: Mapping[int, str] | None = None, *, plain: bool = False) -> str:
    """Render Markdown as Slack mrkdwn (``plain=True``: the same text without formatting marks, for the
    notification fallback). ``citation_links`` turns ``[n]`` into a link to source n."""
    renderer = _Renderer(citation_links or {}, plain)
    return renderer.blocks(SyntaxTreeNode(_parser.parse(markdown))).strip()


class _Renderer:
    def __init__(self, citation_links: Mapping[int, str], plain: bool) -> None:
        self.citation_links = citation_links
        self.plain = plain

    # -- block level ----------------------------------------------------------------------------------
    def blocks(self, node: SyntaxTreeNode, depth: int = 0) -> str:
        parts = [self.block(child, depth) for child in node.children]
        return "\n\n".join(p for p in parts if p.strip())

    def block(self, node: SyntaxTreeNode, depth: int) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline_children(node)
        if kind == "heading":
            return self.mark("*", self.inline_children(node))
        if kind in ("bullet_list", "ordered_list"):
            return self.list(node, depth)
        if kind == "blockquote":
            inner = self.blocks(node, depth)
            return inner if self.plain else "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        if kind in ("fence", "code_block"):
            return self.code(node.content)
        if kind == "hr":
            return "───"
        if kind == "table":
            return self.table(node)
        if kind == "html_block":
            return _break_backticks(escape(node.content.strip()))
        return self.blocks(node, depth)

    def list(self, node: SyntaxTreeNode, depth: int) -> str:
        start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else 1
        lines = []
        for n, item in enumerate(node.children, start=start):
            marker = f"{n}." if node.type == "ordered_list" else BULLETS[min(depth, len(BULLETS) - 1)]
            body = self.list_item(item, depth)
            first, _, rest = body.partition("\n")
            lines.append(f"{NESTED_INDENT * depth}{marker} {first}" + (f"\n{rest}" if rest else ""))
        return "\n".join(lines)

    def list_item(self, item: SyntaxTreeNode, depth: int) -> str:
        parts = []
        for child in item.children:
            if child.type in ("bullet_list", "ordered_list"):
                parts.append(self.list(child, depth + 1))
            else:
                parts.append(self.block(child, depth + 1))
        return "\n".join(p for p in parts if p.strip())

    def code(self, content: str) -> str:
        body = _break_backticks(escape(content.rstrip("\n")))
        return body if self.plain else f"```\n{body}\n```"

    def table(self, node: SyntaxTreeNode) -> str:
        """Slack has no tables in mrkdwn: a monospaced grid keeps the columns readable."""
        rows = [
            [self.inline_children(cell, plain_text=True) for cell in row.children]
            for section in node.children
            for row in section.children
        ]
        if not rows:
            return ""
        widths = [max(len(row[i]) if i < len(row) else 0 for row in rows) for i in range(len(rows[0]))]
        lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return self.code("\n".join(lines))

    # -- inline level ---------------------------------------------------------------------------------
    def inline_children(self, node: SyntaxTreeNode, *, plain_text: bool = False) -> str:
        inline = node.children[0] if node.children and node.children[0].type == "inline" else node
        text = "".join(self.inline(child) for child in inline.children)
        return _unescape(text) if plain_text else text

    def inline(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "text":
            return self.text(node.content)
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind == "code_inline":
            code = _break_backticks(escape(node.content))
            return code if self.plain else f"`{code}`"
        if kind == "strong":
            return self.mark("*", self.inner(node))
        if kind == "em":
            return self.mark("_", self.inner(node))
        if kind == "s":
            return self.mark("~", self.inner(node))
        if kind == "link":
            return self.link(str(node.attrs.get("href", "")), self.inner(node))
        if kind == "image":
            return self.link(str(node.attrs.get("src", "")), _break_backticks(escape(node.content or "image")))
        if kind == "html_inline":
            return _break_backticks(escape(node.content))
        return self.inner(node)

    def inner(self, node: SyntaxTreeNode) -> str:
        return "".join(self.inline(child) for child in node.children)

    def text(self, content: str) -> str:
        # Literal backtick runs in prose would open a code block in Slack (and confuse the splitter).
        escaped = _break_backticks(escape(content))
        if not self.citation_links or self.plain:
            return escaped

        def link(match: re.Match[str]) -> str:
            url = self.citation_links.get(int(match.group(1)))
            return f"<{_safe_url(url)}|{match.group(0)}>" if url else match.group(0)

        return CITATION.sub(link, escaped)

    def link(self, href: str, label: str) -> str:
        if not href.lower().startswith(LINK_SCHEMES):
            return label
        if self.plain:
            return f"{label} ({escape(href)})" if label and label != escape(href) else escape(href)
        label = label.replace("|", "¦").replace("\n", " ")
        if not label or label == escape(href):
            return f"<{_safe_url(href)}>"
        return f"<{_safe_url(href)}|{label}>"

    def mark(self, marker: str, inner: str) -> str:
        if self.plain or not inner.strip():
            return inner
        # Slack only honours a marker next to non-space characters: keep surrounding spaces outside.
        stripped = inner.strip()
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        return f"{lead}{marker}{stripped}{marker}{trail}"


def _break_backticks(text: str) -> str:
    """Only Keel's own code fences may hold a run of backticks: in Slack any other run opens code."""
    return _BACKTICK_RUN.sub(lambda m: ZERO_WIDTH_SPACE.join(m.group(0)), text)


def _safe_url(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# -- splitting to Slack's limits ------------------------------------------------------------------------
def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn into pieces of at most ``limit`` characters: at paragraph breaks first, then line
    breaks, then spaces; never inside a ``<url|label>`` link; a code block cut in two is closed and
    reopened so both halves still render as code."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit - 4)  # room to close a code fence
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head.count("```") % 2:
            head, rest = head + "\n```", "```\n" + rest
        pieces.append(head)
    if rest:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        while at > 0 and _inside_link(window[:at]):
            at = window.rfind(separator, 0, at)
        if at > limit // 3:
            return at + len(separator)
    at = limit
    while at > 0 and (_inside_link(text[:at]) or _inside_entity(text[:at])):
        at -= 1
    return at or limit


def _inside_link(prefix: str) -> bool:
    return prefix.rfind("<") > prefix.rfind(">")


def _inside_entity(prefix: str) -> bool:
    amp = prefix.rfind("&")
    return amp != -1 and ";" not in prefix[amp:] and len(prefix) - amp < 6


# -- Slack -> plain text ----------------------------------------------------------------------------------
_SLACK_TOKEN = re.compile(r"<([^<>]+)>")


def question_text(text: str, bot_user_id: str | None = None) -> str:
    """A Slack message as a plain question: the bot's mention removed, other mentions, channels and links
    as people read them, entities unescaped."""

    def plain(match: re.Match[str]) -> str:
        body = match.group(1)
        target, _, label = body.partition("|")
        if target.startswith("@"):
            return "" if bot_user_id and target[1:] == bot_user_id else f"@{label or target[1:]}"
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        return f"{label} ({target})" if label and label != target else target

    text = _SLACK_TOKEN.sub(plain, valid_unicode(text or ""))
    return re.sub(r"[ \t]+", " ", _unescape(text)).strip()


def valid_unicode(text: str) -> str:
    """JSON may carry lone UTF-16 surrogates (``"\\ud800"``), which no tokenizer, UTF-8 encoder or SQLite
    accepts: each becomes U+FFFD (a proper pair becomes the character it encodes)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


# -- streamed Markdown ----------------------------------------------------------------------------------
_MENTION_LIKE = re.compile(r"<(?=[!@#])|@(?=(?:here|channel|everyone)\b)", re.IGNORECASE)


def defuse_mentions(markdown: str) -> str:
    """Streamed Markdown goes to Slack before the output guard has seen it: break anything that could
    notify people (``<!here>``, ``<@U123>``, ``@channel``) with a zero-width space."""
    return _MENTION_LIKE.sub(lambda m: m.group(0) + ZERO_WIDTH_SPACE, markdown)
