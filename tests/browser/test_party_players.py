"""Issue 23 in real browsers: avatars seen by others and remembered, one name per look on the
join page, Play again, and a German lobby with no English a player reads; axe on the new parts."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import polib
import pytest
from playwright.sync_api import expect

from rooms import services
from rooms.models import Game, Room

from .axe_audit import Audit
from .party import connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import translations  # noqa: E402

LIVE_UPDATE_MS = 1000


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    translations.compile_catalogues()  # the server under test reads the .mo files


@pytest.fixture
def game(live_server_url) -> Game:
    # "Quiz" reads the same in both languages: the page's own words are what the German test checks.
    return Game.objects.create(
        slug="party-quiz",
        name="Quiz",
        description="",
        launch_url=f"{live_server_url}/healthz?from=catalog",
        min_players=2,
        max_players=6,
        settings_schema={"rounds": {"type": "int", "min": 1, "max": 9, "default": 2, "label": "Quiz 1-9"}},
    )


def _create_with_avatar(visitor, name: str, avatar: str, colour: int) -> str:
    visitor.page.goto(visitor.base_url + "/")
    visitor.page.locator("#id_create-name").fill(name)
    visitor.page.locator(
        f'#id_create-avatar input[value="{avatar}"], input[name="create-avatar"][value="{avatar}"]'
    ).first.check()
    visitor.page.locator(f'input[name="create-avatar_colour"][value="{colour}"]').check()
    visitor.page.get_by_role("button", name="Create room").click()
    visitor.page.wait_for_url(re.compile(r"/rooms/[A-Z0-9]{6}/$"))
    return visitor.page.locator("#room-title").inner_text().strip()


def test_an_avatar_picked_by_one_player_is_seen_by_the_other_and_remembered_for_the_next_room(visitors):
    host, guest = visitors(2)
    code = _create_with_avatar(host, "Maya", "fox", 4)
    connected(host)
    guest.join_by_link(code, "Jonas")
    connected(guest)
    maya = guest.player_row("Maya").locator(".avatar")
    expect(maya).to_have_attribute("data-avatar", "fox")
    expect(maya).to_have_class(re.compile(r"\bavatar--4\b"))

    # The guest picks a robot in the lobby; the host sees it at once.
    guest.page.locator('#avatar-picker input[value="robot"]').check()
    guest.page.locator('#avatar-picker input[name="lobby-avatar-colour"][value="6"]').check()
    jonas = host.player_row("Jonas").locator(".avatar")
    expect(jonas).to_have_attribute("data-avatar", "robot", timeout=LIVE_UPDATE_MS)
    expect(jonas).to_have_class(re.compile(r"\bavatar--6\b"), timeout=LIVE_UPDATE_MS)
    assert guest.page.evaluate("JSON.parse(localStorage.getItem('gamebuddies:avatar'))") == {
        "avatar": "robot",
        "avatarColour": 6,
    }

    # Next room: the name and the avatar are filled in already.
    guest.page.goto(guest.base_url + "/")
    expect(guest.page.locator("#id_create-name")).to_have_value("Jonas")
    expect(guest.page.locator('input[name="create-avatar"][value="robot"]')).to_be_checked()
    expect(guest.page.locator('input[name="create-avatar_colour"][value="6"]')).to_be_checked()
    assert host.csp_violations() == [] and guest.csp_violations() == []


def test_a_second_hal_is_refused_on_the_join_page_and_nobody_is_seated(visitors):
    host, guest = visitors(2)
    code = host.create_room("Hal")
    guest.page.goto(f"{guest.base_url}/r/{code}")
    guest.page.get_by_label("Your name").fill("HAL")
    guest.page.get_by_role("button", name="Join room").click()
    expect(guest.page.get_by_role("alert")).to_contain_text("already has that name, or one that looks the same")
    assert guest.page.url.endswith(f"/r/{code}")
    expect(host.page.locator("#players li.player")).to_have_count(1)


def test_play_again_starts_the_same_game_with_the_same_settings_and_last_games_players_ready(
    visitors, game, live_server_url
):
    host, guest = visitors(2)
    code = host.create_room("Maya")
    connected(host)
    guest.join_by_link(code, "Jonas")
    connected(guest)
    host.page.get_by_label("Choose a game").select_option(game.slug)
    host.page.get_by_label("Quiz 1-9").fill("7")
    host.page.get_by_label("Quiz 1-9").press("Tab")
    expect(guest.page.locator("#guest-game-settings dd")).to_have_text("7", timeout=LIVE_UPDATE_MS)
    play_again = host.page.get_by_role("button", name=re.compile("^Play again"))
    expect(play_again).to_be_hidden()  # nothing has been played yet
    host.page.get_by_role("button", name="Start game").click()
    for visitor in (host, guest):
        visitor.page.wait_for_url(lambda url: url.startswith(f"{live_server_url}/healthz"))

    # The game ends (as its server would report); both come back to the lobby, ready.
    room = Room.objects.get(room_code=code, status="in_game")
    services.game_end(room=room, actor=services_actor())
    for visitor in (host, guest):
        visitor.page.goto(f"{live_server_url}/rooms/{code}/")
        connected(visitor)
    for name in ("Maya", "Jonas"):
        expect(host.player_row(name).locator(".ready")).to_have_text("Ready")
    # The host looks at another setting meanwhile; Play again still means the last game's.
    host.page.get_by_label("Quiz 1-9").fill("3")
    host.page.get_by_label("Quiz 1-9").press("Tab")
    expect(guest.page.locator("#guest-game-settings dd")).to_have_text("3", timeout=LIVE_UPDATE_MS)
    expect(guest.page.get_by_role("button", name=re.compile("^Play again"))).to_have_count(0)
    expect(play_again).to_be_visible()
    play_again.click()
    for visitor in (host, guest):
        visitor.page.wait_for_url(lambda url: url.startswith(f"{live_server_url}/healthz"))
        assert parse_qs(urlsplit(visitor.page.url).query)["roomCode"] == [code]
    started = Room.objects.get(room_code=code, status="in_game")
    assert (started.current_game_id, started.game_settings) == (game.slug, {"rounds": 7})


def services_actor():
    from gamebuddies.actors import Actor

    return Actor.system("the game's server")


def _english_a_player_could_read() -> list[re.Pattern]:
    """Every English text of the catalogue whose German differs, as a whole-word pattern."""
    patterns = []
    for entry in polib.pofile(str(ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po")):
        if entry.obsolete or entry.msgid_plural:
            continue
        for part in re.split(r"%\(\w+\)[sd]|\{\w+\}|<[^>]+>|\n", entry.msgid):
            part = part.strip(" .:·—–,?!…()")
            if len(part) < 3 or entry.msgstr.find(part) >= 0:
                continue  # too short to tell, or the German has the same word (Chat, Panda)
            patterns.append(re.compile(r"(?<![\w])" + re.escape(part) + r"(?![\w])"))
    return patterns


READ_TEXT = """() => {
  const texts = [document.body.innerText, document.title];
  for (const node of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    if (node.closest('[hidden]')) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (node.getAttribute(name)) texts.push(node.getAttribute(name));
    }
  }
  return texts.join('\\n');
}"""


def test_the_lobby_in_german_shows_no_english_a_player_reads(visitors, game):
    host, guest = visitors(2, locale="de-DE")
    host.page.goto(host.base_url + "/")
    host.page.locator("#id_create-name").fill("Maya")
    host.page.get_by_role("button", name="Raum eröffnen", exact=True).click()
    host.page.wait_for_url(re.compile(r"/rooms/[A-Z0-9]{6}/$"))
    code = host.page.locator("#room-title").inner_text().strip()
    expect(host.page.locator("#connection")).to_have_class(re.compile(r"\bconn--connected\b"))
    guest.page.goto(f"{guest.base_url}/r/{code}")
    guest.page.get_by_label("Dein Name").fill("Jonas")
    guest.page.get_by_role("button", name="Raum beitreten").click()
    guest.page.wait_for_url(re.compile(rf"/rooms/{code}/$"))
    expect(host.player_row("Jonas")).to_be_visible(timeout=LIVE_UPDATE_MS)
    host.page.get_by_label("Spiel wählen").select_option(game.slug)
    guest.page.get_by_role("button", name="Bereit").click()
    expect(host.player_row("Jonas").locator(".ready")).to_have_text("Bereit", timeout=LIVE_UPDATE_MS)

    english = _english_a_player_could_read()
    for visitor in (host, guest):
        assert visitor.page.locator("html").get_attribute("lang") == "de"
        text = visitor.page.evaluate(READ_TEXT)
        found = sorted({pattern.pattern for pattern in english if pattern.search(text)})
        assert found == [], f"English on the German lobby: {found}\n---\n{text}"
        strings = json.loads(visitor.page.locator("#ui-strings").text_content())
        assert strings["Start game"] == "Spiel starten"


def test_the_new_parts_have_no_serious_axe_violation(visitors, game):
    audit = Audit()
    host, guest = visitors(2)
    host.page.goto(host.base_url + "/")
    audit.check(host.page, "home with avatar pickers")
    code = host.create_room("Maya")
    connected(host)
    guest.join_by_link(code, "Jonas")
    connected(guest)
    host.page.get_by_label("Choose a game").select_option(game.slug)
    audit.check(host.page, "lobby: avatar picker, language switch")
    room = Room.objects.get(room_code=code)
    Room.objects.filter(pk=room.pk).update(
        metadata={"lastGame": {"game": game.slug, "settings": {}}, "gameEndedAt": "x"}
    )
    services.member_set_ready(room=code, player_id=room.host_id, ready=False, actor=services_actor())
    expect(host.page.get_by_role("button", name=re.compile("^Play again"))).to_be_visible(timeout=LIVE_UPDATE_MS)
    audit.check(host.page, "lobby with Play again")
    audit.assert_clean(3)
