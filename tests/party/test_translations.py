"""Languages (issue 23): the German catalogue is complete, the pages follow the browser and the
footer switch, refusals read in German, and the Game API stays English."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.utils import translation

from gamebuddies.player_messages import PAGE_MESSAGES
from gamebuddies.ui_strings import ERROR_MESSAGES, SCRIPT_STRINGS, ui_string_table
from players.names import MAX_MARKS_PER_CHARACTER, MAX_NAME_LENGTH
from rooms import services
from tests.factories import SYSTEM, make_room
from tests.gameapi.client import ApiClient, make_key

ROOT = Path(__file__).resolve().parents[2]
GERMAN_PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
SCRIPT_CALL = re.compile(r'\bt\("((?:[^"\\]|\\.)*)"')


def test_every_german_entry_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(GERMAN_PO))
    assert not catalogue.metadata_is_fuzzy
    live = [entry for entry in catalogue if not entry.obsolete]
    assert len(live) > 200
    untranslated = [entry.msgid for entry in live if not entry.translated()]
    fuzzy = [entry.msgid for entry in live if "fuzzy" in entry.flags]
    assert untranslated == [] and fuzzy == [], f"translate these in {GERMAN_PO}: {untranslated + fuzzy}"


def test_every_translation_keeps_the_placeholders_of_its_english_text():
    for entry in polib.pofile(str(GERMAN_PO)):
        if entry.obsolete:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, entry.msgid


def test_compiling_is_reproducible(tmp_path):
    first, second = tmp_path / "a.mo", tmp_path / "b.mo"
    polib.pofile(str(GERMAN_PO)).save_as_mofile(str(first))
    polib.pofile(str(GERMAN_PO)).save_as_mofile(str(second))
    assert first.read_bytes() == second.read_bytes() == GERMAN_PO.with_suffix(".mo").read_bytes()


def test_every_string_a_script_shows_is_in_the_translated_table():
    used = set()
    for script in (ROOT / "static" / "js").glob("*.js"):
        used.update(SCRIPT_CALL.findall(script.read_text()))
    assert used, "no t(...) calls found"
    assert sorted(used - set(SCRIPT_STRINGS)) == []
    with translation.override("de"):
        table = ui_string_table()
    untranslated = [text for text in SCRIPT_STRINGS if table[text] == text and text not in ("Chat", "Avatar")]
    assert untranslated == []
    assert set(ERROR_MESSAGES) <= {key.removeprefix("error:") for key in table if key.startswith("error:")}


def test_the_name_messages_listed_for_translation_match_the_limits_the_names_module_formats():
    assert f"Names can be at most {MAX_NAME_LENGTH} characters." in PAGE_MESSAGES
    assert f"At most {MAX_MARKS_PER_CHARACTER} accents or marks on one character." in PAGE_MESSAGES


@pytest.mark.django_db
def test_the_home_page_follows_accept_language_and_the_footer_switch_persists():
    browser = Client()
    german = browser.get("/", headers={"accept-language": "de-DE,de;q=0.9,en;q=0.5"})
    assert 'lang="de"' in german.content.decode()
    assert "Hier beginnt der Spieleabend." in german.content.decode()
    assert german["Content-Language"] == "de"
    english = Client().get("/", headers={"accept-language": "en-GB"})
    assert "Game night starts here." in english.content.decode()

    switched = Client()
    response = switched.post("/i18n/setlang/", {"language": "de", "next": "/"}, headers={"accept-language": "en"})
    assert response.status_code == 302
    again = switched.get("/", headers={"accept-language": "en"})
    assert "Hier beginnt der Spieleabend." in again.content.decode()


@pytest.mark.django_db
def test_the_game_api_stays_english_whatever_the_browser_asks_for():
    room, _ = make_room()
    services.room_join(room=room.room_code, display_name="Hal", actor=SYSTEM)
    raw, _ = make_key()
    response = ApiClient(raw).post(
        f"/rooms/{room.room_code}/players", {"name": "HAL"}, headers={"Accept-Language": "de"}
    )
    body = response.json()
    assert (response.status_code, body["code"]) == (409, "NAME_TAKEN")
    assert body["error"].startswith("Someone in this room already has that name")
    assert "Content-Language" not in response and "Accept-Language" not in response.get("Vary", "")
