"""Display names: visible, bounded, and one look per room (issue 18 #10).

The attack: `Alice`, `Ａｌｉｃｅ`, `Alice\\u00a0`, Cyrillic `Аlice`, `Alıce`, `\\u3164`
(invisible), braille blanks and stacked combining marks were all accepted in one room,
which then showed four identical "Alice".
"""

import pytest

from gamebuddies.errors import ValidationError
from players.names import (
    MAX_MARKS_PER_CHARACTER,
    NameTakenError,
    clean_display_name,
    ensure_name_free,
    names_look_alike,
    skeleton,
)

LOOK_ALIKES_OF_ALICE = [
    "Alice",
    "alice",
    "ALICE",
    "Ａｌｉｃｅ",  # fullwidth
    "Alice\u00a0",  # trailing no-break space
    "  Alice ",
    "\u0410lice",  # Cyrillic capital A
    "Al\u0456ce",  # Cyrillic i
    "Al\u0131ce",  # dotless i
    "AIice",  # capital I for l
    "\U0001d400lice",  # mathematical bold A
    "Alice\ufe0f",  # a variation selector changes nothing visible
]


@pytest.mark.parametrize("name", LOOK_ALIKES_OF_ALICE)
def test_the_issues_alices_all_look_alike(name):
    assert names_look_alike("Alice", clean_display_name(name))


@pytest.mark.parametrize("name", ["Alicia", "Alice B", "Alicé", "Bob", "A l i c e", "Ali"])
def test_different_looking_names_do_not_clash(name):
    assert not names_look_alike("Alice", clean_display_name(name))


def test_the_skeleton_follows_tr39_prototypes():
    assert skeleton("\u0430") == skeleton("a")  # Cyrillic a
    assert skeleton("m") == skeleton("rn")  # a sequence prototype
    assert skeleton("0") == skeleton("O")
    assert names_look_alike("Sam", "Sarn")


@pytest.mark.parametrize(
    "name",
    [
        "\u3164",  # Hangul filler
        "\uffa0",  # halfwidth Hangul filler
        "\u115f\u1160",  # Hangul choseong / jungseong fillers
        "\u2800",  # braille blank
        "\u2800\u2800\u2800",
        "Al\u3164ice",  # an invisible letter hidden inside a name
        "Alice\u2800",
        "Alice\u200b",  # zero width space
        "\u200e\u200f",
        "Alice\u202e",  # bidi override
        "Alice\u034f",  # combining grapheme joiner
        "\ufe0f",  # a lone variation selector
        "\u0301\u0301",
        "   ",
        "",
    ],
)
def test_names_that_render_blank_or_hide_characters_are_refused(name):
    with pytest.raises(ValidationError):
        clean_display_name(name)


def test_stacked_combining_marks_are_limited_per_character():
    vietnamese = "Nguy\u1ec5n"  # e with circumflex and tilde: two marks
    assert clean_display_name(vietnamese) == vietnamese
    with pytest.raises(ValidationError, match="marks"):
        clean_display_name("Z" + "\u0301" * (MAX_MARKS_PER_CHARACTER + 1) + "algo")
    with pytest.raises(ValidationError):
        clean_display_name("A\u0300\u0301\u0302\u0303\u0304\u0305")


@pytest.mark.parametrize("name", ["Zoë", "José", "李小龙", "محمد", "Ελένη", "❤\ufe0f", "👍🏽", "<b>Bob</b>", "Nguyễn"])
def test_real_names_in_many_scripts_stay_welcome(name):
    assert clean_display_name(name)


def test_whitespace_is_collapsed_and_the_name_shown_is_the_normalised_one():
    assert clean_display_name("  Ａｎａ \u3000 Maria\u00a0") == "Ana Maria"


def test_a_taken_look_is_a_409_name_taken_naming_the_field():
    with pytest.raises(NameTakenError) as taken:
        ensure_name_free("\u0410lice", ["Bob", "ALICE"])
    assert (taken.value.status, taken.value.code, taken.value.field) == (409, "NAME_TAKEN", "name")
    ensure_name_free("Alicia", ["Bob", "Alice"])
