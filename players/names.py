"""Display-name rules: what players type is normalised, bounded and plain text."""

import unicodedata

from gamebuddies.errors import ValidationError

MAX_NAME_LENGTH = 24


def clean_display_name(raw: object, *, field: str = "name") -> str:
    """NFKC-normalise, trim and check a name; refuse control characters and bad lengths.

    Markup is not refused: names are always rendered as text, so `<b>` is just a name.
    """
    if not isinstance(raw, str):
        raise ValidationError("Name must be text", field=field)
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name:
        raise ValidationError("Please enter a name", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(f"Names can be at most {MAX_NAME_LENGTH} characters", field=field)
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"} for ch in name):
        raise ValidationError("Names cannot contain control or invisible characters", field=field)
    return name
