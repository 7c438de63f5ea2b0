"""Which collections a channel searches (issue 16): its own learned answers and the widened ones, never
answers learned in another channel, whatever the channel's configured collections."""

from __future__ import annotations

from bot.learned_scope import LEARNED, learned_collection, searched_collections

STORED = ["default", "hr", LEARNED, "learned-C0HELP", "learned-C0OTHER"]


def test_a_channel_searching_everything_skips_other_channels_learned_answers() -> None:
    assert searched_collections(None, "C0HELP", STORED) == ["default", "hr", LEARNED, "learned-C0HELP"]
    assert searched_collections(None, "C0NEW", STORED) == ["default", "hr", LEARNED]
    assert searched_collections(None, None, STORED) == ["default", "hr", LEARNED]


def test_configured_collections_get_the_widened_and_the_channels_own_learned_answers() -> None:
    assert searched_collections(["hr"], "C0HELP", STORED) == ["hr", LEARNED, "learned-C0HELP"]
    assert searched_collections(["hr"], None, STORED) == ["hr", LEARNED]


def test_the_list_is_never_empty_so_it_never_means_no_restriction() -> None:
    assert searched_collections(None, "C0HELP", []) == ["learned-C0HELP"]
    assert searched_collections(None, "C0HELP", ["learned-C0OTHER"]) == ["learned-C0HELP"]


def test_a_channel_id_cannot_name_another_collection() -> None:
    assert learned_collection("C0HELP") == "learned-C0HELP"
    assert learned_collection("../C0HELP ") == "learned-C0HELP"
    assert learned_collection(None) == LEARNED and learned_collection("") == LEARNED
