"""Markdown answers as Slack mrkdwn, and Slack messages as plain questions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mrkdwn import defuse_mentions, question_text, split_text, to_mrkdwn


def test_emphasis_links_and_code_become_mrkdwn() -> None:
    markdown = (
        "Use **Pangolin** and _SSO_, not ~~the old client~~. See [the guide](https://wiki.example/vpn) or `vpn --up`."
    )
    assert to_mrkdwn(markdown) == (
        "Use *Pangolin* and _SSO_, not ~the old client~. See <https://wiki.example/vpn|the guide> or `vpn --up`."
    )


def test_headings_become_bold_lines_and_lists_keep_their_shape() -> None:
    markdown = "## Steps\n\n1. Open the portal\n2. Reset:\n   - your password\n   - your MFA\n\n> note this"
    assert to_mrkdwn(markdown) == (
        "*Steps*\n\n1. Open the portal\n2. Reset:\n    ◦ your password\n    ◦ your MFA\n\n> note this"
    )


def test_code_blocks_are_kept_and_escaped() -> None:
    assert to_mrkdwn("```\nif a < b && c > d:\n```") == "```\nif a &lt; b &amp;&amp; c &gt; d:\n```"


def test_nothing_in_an_answer_can_ping_people_or_link_to_scripts() -> None:
    text = to_mrkdwn("Hi <!channel> and <@U0BOSS> & <#C0SECRET>. [x](javascript:alert(1))")
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<#C0SECRET>" not in text
    assert "&lt;!channel&gt;" in text and "&amp;" in text
    assert "<javascript" not in text


def test_citations_link_to_web_sources_only() -> None:
    text = to_mrkdwn("Twenty weeks [1], see also [2].", {1: "https://wiki.example/leave?a=1&b=2"})
    assert text == "Twenty weeks <https://wiki.example/leave?a=1&amp;b=2|[1]>, see also [2]."


def test_tables_become_a_monospaced_grid() -> None:
    text = to_mrkdwn("| Plan | Days |\n|---|---|\n| Staff | 25 |\n| Contractor | 15 |")
    assert text.startswith("```\n") and "Contractor | 15" in text


def test_the_plain_fallback_has_no_marks() -> None:
    assert to_mrkdwn("**Bold** [guide](https://x.example) `code`", plain=True) == "Bold guide (https://x.example) code"


def test_long_text_splits_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 120 for n in range(30)]
    pieces = split_text("\n\n".join(paragraphs), 3000)
    assert all(len(p) <= 3000 for p in pieces) and len(pieces) > 1
    assert all(p.startswith("Paragraph") for p in pieces)


def test_a_split_code_block_is_closed_and_reopened() -> None:
    text = "```\n" + "\n".join(f"line {n}" for n in range(800)) + "\n```"
    pieces = split_text(text, 3000)
    assert len(pieces) > 1
    assert all(p.startswith("```") and p.endswith("```") for p in pieces)


def test_links_are_never_cut_in_half() -> None:
    text = ("see <https://wiki.example/page|a long link label with many words> " * 200).strip()
    for piece in split_text(text, 500):
        assert piece.count("<") == piece.count(">")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*"ab <>&|*_~`[]()\n#-1.", "https://x.example", "<@U1>", "<!here>", "```"])).map("".join)
)
def test_any_markdown_renders_and_splits_within_limits(markdown: str) -> None:
    pieces = split_text(to_mrkdwn(markdown), 120)
    assert all(len(p) <= 120 for p in pieces)
    for piece in pieces:
        assert "<!" not in piece and "<@" not in piece
        assert piece.count("```") % 2 == 0  # a code block never leaks into the next section


def test_a_slack_message_becomes_a_plain_question() -> None:
    text = "<@UBOT> how do I reset <https://x.example|the VPN>? cc <@U1|alice> in <#C1|it> &lt;3 <!here>"
    assert question_text(text, "UBOT") == "how do I reset the VPN (https://x.example)? cc @alice in #it <3 @here"


def test_streamed_markdown_is_defused() -> None:
    defused = defuse_mentions("Hi <!here> <@U1> <#C1> @channel @everyone mail me@example.com")
    for token in ("<!here>", "<@U1>", "<#C1>", "@channel", "@everyone"):
        assert token not in defused
    assert "me@example.com" in defused
