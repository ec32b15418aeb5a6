"""Display-name rules: what players type is normalised, bounded, visible and plain text,
and no two seats of a room show names that look the same.

Cleaning (every entry point, through `clean_display_name`):
- NFKC, runs of whitespace collapsed to one space, trimmed, 1-24 characters;
- no control, format, private-use, unassigned or line/paragraph-separator characters;
- nothing that renders blank or invisibly: Hangul fillers (U+3164, U+115F, U+1160,
  U+FFA0), the braille blank U+2800, the other default-ignorable code points; a name must
  keep a visible character once spaces, marks and variation selectors are set aside;
- at most MAX_MARKS_PER_CHARACTER combining marks on one character (no "zalgo" stacks),
  and none without a character to sit on.

Look-alikes (`names_look_alike`): two names clash when they are equal after NFKC, case
folding and the confusables skeleton of Unicode TR39 (data from the maintained
`confusable_homoglyphs` package), so `Alice`, `ALICE`, `Ａｌｉｃｅ`, `Alice\\u00a0`, Cyrillic
`Аlice`, `Alıce` and `AIice` are one name. The join service refuses a clash with
NameTakenError (409 NAME_TAKEN), on every entry point.

Markup is not refused: names are always rendered as text, so `<b>` is just a name.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from gamebuddies.errors import GameBuddiesError, ValidationError

MAX_NAME_LENGTH = 24
MAX_MARKS_PER_CHARACTER = 2

_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Letters and symbols that render as nothing (they are not format characters, so the
# categories above miss them): Hangul fillers, the braille blank, a null notehead, and
# the combining default-ignorables (grapheme joiner, Khmer inherent vowels, Mongolian
# free variation selectors).
_BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\U0001d159\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f")


def _is_variation_selector(char: str) -> bool:
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


class NameTakenError(GameBuddiesError):
    code = "NAME_TAKEN"
    status = 409
    default_message = "Someone in this room already has that name, or one that looks the same. Please pick another."


def clean_display_name(raw: object, *, field: str = "name") -> str:
    """The name as it will be shown, or ValidationError naming `field`."""
    if not isinstance(raw, str):
        raise ValidationError("Name must be text", field=field)
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not name:
        raise ValidationError("Please enter a name", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"Names can be at most {MAX_NAME_LENGTH} characters", field=field)
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in _BLANK_CHARACTERS for ch in name):
        raise ValidationError("Names cannot contain control or invisible characters", field=field)
    _check_marks(name, field=field)
    if not any(_visible(ch) for ch in name):
        raise ValidationError("Names need at least one visible character", field=field)
    return name


def _visible(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char).startswith("M") or _is_variation_selector(char))


def _check_marks(name: str, *, field: str) -> None:
    run = 0
    for position, char in enumerate(unicodedata.normalize("NFD", name)):
        if not unicodedata.category(char).startswith("M"):
            run = 0
            continue
        if position == 0:
            raise ValidationError("A name cannot start with an accent or mark", field=field)
        run += 1
        if run > MAX_MARKS_PER_CHARACTER:
            raise ValidationError(f"At most {MAX_MARKS_PER_CHARACTER} accents or marks on one character", field=field)


# --- look-alikes (Unicode TR39 skeletons) -----------------------------------------------
def _plain(text: str) -> str:
    return text.replace("\u200e", "").replace("\u200f", "")  # the data wraps RTL glyphs in marks


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Each confusable character -> its class's prototype, from confusables.txt as
    `confusable_homoglyphs` ships it.

    The package keeps the source -> prototype pairs of confusables.txt in both directions,
    so each class is a star around its prototype: a character with one neighbour that has
    several (or that is a sequence such as `rn`) is a source and maps to it; a class of
    two single characters maps both to the smaller one, which compares the same.
    """
    from confusable_homoglyphs.confusables import confusables_data

    neighbours: dict[str, set[str]] = {}
    for char, glyphs in confusables_data.items():
        neighbours.setdefault(_plain(char), set()).update(_plain(glyph["c"]) for glyph in glyphs)
    prototypes = {}
    for char, others in neighbours.items():
        if len(char) != 1 or len(others) != 1:
            continue
        (other,) = others
        if len(other) > 1 or len(neighbours.get(other, ())) > 1:
            prototypes[char] = other
        else:
            prototypes[char] = min(char, other)
    return prototypes


def skeleton(text: str) -> str:
    """TR39 skeleton: NFD, default-ignorable variation selectors dropped, each character
    replaced by its prototype, NFD again."""
    prototypes = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(prototypes.get(ch, ch) for ch in decomposed if not _is_variation_selector(ch))
    return unicodedata.normalize("NFD", mapped)


def look_alike_keys(name: str) -> frozenset[str]:
    """Keys under which a name clashes with another: the skeleton of the case-folded name,
    and of the case-folded skeleton (so `ALICE` meets `Alice`, and `AIice` with a capital I
    meets it too)."""
    base = " ".join(unicodedata.normalize("NFKC", name).split())
    return frozenset({skeleton(base.casefold()), skeleton(skeleton(base).casefold())})


def names_look_alike(first: str, second: str) -> bool:
    return bool(look_alike_keys(first) & look_alike_keys(second))


def ensure_name_free(name: str, taken: list[str] | tuple[str, ...], *, field: str = "name") -> None:
    """NameTakenError if `name` looks like any of the `taken` names (a room's seats)."""
    keys = look_alike_keys(name)
    if any(keys & look_alike_keys(other) for other in taken):
        raise NameTakenError(field=field)
