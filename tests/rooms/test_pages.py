"""The player pages (issue 5) and their browser-side security (issue 12), through Django's test client."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings

from gamebuddies.actors import Actor
from players import cookies
from players.claims import claim_issue
from rooms import services
from rooms.launch import build_launch_url
from rooms.models import Room, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db

XSS_NAME = "<svg onload=alert(1)>"


def create_room(client: Client, name: str = "Maya"):
    return client.post("/rooms/new", {"create-name": name})


def join_by_code(client: Client, code: str, name: str = "Jonas", **extra):
    return client.post("/join", {"join-code": code, "join-name": name, **extra})


def room_of(response) -> Room:
    code = re.match(r"^/rooms/([A-Z0-9]+)/$", response["Location"]).group(1)
    return Room.objects.get(room_code=code, status="lobby")


def lobby_data(response) -> dict:
    match = re.search(r'<script id="lobby-data" type="application/json">(.*?)</script>', response.content.decode())
    return json.loads(match.group(1))


# -- home, create, join --------------------------------------------------------------
def test_home_offers_create_and_join_forms_with_labels():
    response = Client().get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Create room" in html and ">Join<" in html
    for field_id in ("id_create-name", "id_join-code", "id_join-name", "id_join-spectate"):
        assert f'for="{field_id}"' in html


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script_or_style():
    client = Client()
    room = room_of(create_room(client))
    for url in ("/", f"/r/{room.room_code}", f"/rooms/{room.room_code}/"):
        response = client.get(url, follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        html = response.content.decode()
        # Only external module scripts and inert JSON data blocks; no style attributes or blocks.
        for tag in re.findall(r"<script[^>]*>", html):
            assert 'src="' in tag or 'type="application/json"' in tag, tag
        assert "<style" not in html and " style=" not in html and "onclick" not in html


def test_create_room_seats_the_creator_as_host_and_sets_a_signed_httponly_lax_cookie():
    client = Client()
    response = create_room(client, "  Maya  ")
    assert response.status_code == 302
    room = room_of(response)
    host = RoomMember.objects.select_related("player").get(room=room)
    assert (host.role, host.player.display_name) == ("host", "Maya")
    morsel = response.cookies[settings.PLAYER_COOKIE_NAME]
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert set(cookies.decode(morsel.value)) == {room.room_code}
    assert cookies.decode(morsel.value[:-2] + "xx") == {}  # tampering breaks the signature


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Please enter a name."),
        ("x" * 25, "Names can be at most 24 characters."),
        ("bad\u0007name", "Names cannot contain control or invisible characters."),
    ],
)
def test_bad_names_are_refused_with_a_plain_message_and_nothing_is_created(name, message):
    response = create_room(Client(), name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Room.objects.exists()


def test_join_by_code_seats_a_player_and_lowercase_codes_work():
    room, _ = make_room()
    client = Client()
    response = join_by_code(client, room.room_code.lower(), "Jonas")
    assert response.status_code == 302 and response["Location"] == f"/rooms/{room.room_code}/"
    member = RoomMember.objects.select_related("player").get(room=room, player__display_name="Jonas")
    assert member.role == "player"
    assert client.get(f"/rooms/{room.room_code}/").status_code == 200


def test_join_as_spectator_takes_a_spectator_seat():
    room, _ = make_room()
    join_by_code(Client(), room.room_code, "Watcher", **{"join-spectate": "on"})
    assert RoomMember.objects.get(room=room, player__display_name="Watcher").role == "spectator"


def test_wrong_code_says_so_plainly():
    response = join_by_code(Client(), "ZZZZZZ")
    assert response.status_code == 404
    assert "There is no open room with the code ZZZZZZ" in response.content.decode()


def test_malformed_code_explains_the_format():
    response = join_by_code(Client(), "12")
    assert response.status_code == 400
    assert "Room codes are 6 letters and digits" in response.content.decode()


def test_closed_room_code_says_the_room_has_closed():
    room, _ = make_room()
    services.room_close(room=room, actor=SYSTEM)
    response = join_by_code(Client(), room.room_code)
    assert response.status_code == 410
    assert f"Room {room.room_code} has closed" in response.content.decode()
    page = Client().get(f"/r/{room.room_code}")
    assert page.status_code == 410 and "has closed" in page.content.decode()


def test_full_room_suggests_spectating():
    room, _ = make_room(players=2, max_players=2)
    response = join_by_code(Client(), room.room_code)
    assert response.status_code == 409
    assert "This room is full" in response.content.decode()


# -- CSRF and GET safety -----------------------------------------------------------
def test_post_without_csrf_token_is_refused_and_changes_nothing():
    room, _ = make_room()
    version = room.version
    client = Client(enforce_csrf_checks=True)
    assert create_room(client).status_code == 403
    assert join_by_code(client, room.room_code).status_code == 403
    assert client.post(f"/r/{room.room_code}", {"name": "Sneaky"}).status_code == 403
    assert Room.objects.count() == 1
    assert Room.objects.get(pk=room.pk).version == version
    assert RoomMember.objects.filter(room=room).count() == 1


def test_post_with_the_csrf_token_from_the_form_works():
    client = Client(enforce_csrf_checks=True)
    page = client.get("/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post("/rooms/new", {"create-name": "Maya", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_state_changing_routes_refuse_get():
    room, _ = make_room()
    client = Client()
    assert client.get("/rooms/new").status_code == 405
    assert client.get("/join").status_code == 405
    assert client.get(f"/rooms/{room.room_code}/leave").status_code == 405


def test_reading_pages_never_changes_the_room():
    client = Client()
    room = room_of(create_room(client))
    version = Room.objects.get(pk=room.pk).version
    for url in (f"/rooms/{room.room_code}/", f"/r/{room.room_code}", f"/rooms/{room.room_code}/play", "/"):
        client.get(url)
    assert Room.objects.get(pk=room.pk).version == version


# -- join by link and seat recovery -----------------------------------------------
def test_join_link_asks_only_for_a_name_and_seats_the_player():
    room, _ = make_room()
    client = Client()
    page = client.get(f"/r/{room.room_code}")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="name"' in html and 'name="code"' not in html
    response = client.post(f"/r/{room.room_code}", {"name": "Priya"})
    assert response["Location"] == f"/rooms/{room.room_code}/"
    assert RoomMember.objects.filter(room=room, player__display_name="Priya").exists()


def test_a_player_with_a_cookie_gets_the_same_seat_back_from_link_lobby_and_join_form():
    room, _ = make_room()
    client = Client()
    client.post(f"/r/{room.room_code}", {"name": "Priya"})
    seat = RoomMember.objects.get(room=room, player__display_name="Priya")
    assert client.get(f"/r/{room.room_code}")["Location"] == f"/rooms/{room.room_code}/"
    lobby = client.get(f"/rooms/{room.room_code}/")
    assert lobby_data(lobby)["me"]["playerId"] == str(seat.player_id)
    join_by_code(client, room.room_code, "Someone Else")
    assert RoomMember.objects.filter(room=room).count() == 2


def test_lobby_without_a_seat_sends_the_visitor_to_the_join_link():
    room, _ = make_room()
    response = Client().get(f"/rooms/{room.room_code}/")
    assert response.status_code == 302 and response["Location"] == f"/r/{room.room_code}"


def test_kicked_players_old_cookie_no_longer_seats_them():
    room, seats = make_room()
    client = Client()
    client.post(f"/r/{room.room_code}", {"name": "Priya"})
    kicked = RoomMember.objects.get(room=room, player__display_name="Priya")
    services.member_kick(room=room, target_player_id=kicked.player_id, actor=player_actor(seats[0]))
    assert client.get(f"/rooms/{room.room_code}/")["Location"] == f"/r/{room.room_code}"
    assert not RoomMember.objects.filter(player_id=kicked.player_id).exists()


def test_leave_removes_the_seat_and_forgets_the_cookie():
    room, _ = make_room()
    client = Client()
    client.post(f"/r/{room.room_code}", {"name": "Priya"})
    response = client.post(f"/rooms/{room.room_code}/leave")
    assert response.status_code == 302 and response["Location"] == "/"
    assert not RoomMember.objects.filter(room=room, player__display_name="Priya").exists()
    assert room.room_code not in cookies.decode(response.cookies[settings.PLAYER_COOKIE_NAME].value)


# -- lobby page -------------------------------------------------------------------
def test_lobby_renders_names_as_text_and_hands_state_to_js_without_any_session_token():
    room, _ = make_room()
    client = Client()
    client.post(f"/r/{room.room_code}", {"name": XSS_NAME})
    response = client.get(f"/rooms/{room.room_code}/")
    html = response.content.decode()
    assert XSS_NAME not in html
    assert "&lt;svg onload=alert(1)&gt;" in html
    assert "gbs_" not in html  # session tokens never reach the page
    data = lobby_data(response)
    assert [p["name"] for p in data["state"]["players"]] == ["Host", XSS_NAME]
    assert data["version"] == Room.objects.get(pk=room.pk).version
    assert data["urls"]["join"].endswith(f"/r/{room.room_code}")


def test_lobby_offers_the_catalog_with_settings_schemas(quiz_game):
    client = Client()
    room = room_of(create_room(client))
    data = lobby_data(client.get(f"/rooms/{room.room_code}/"))
    quiz = next(g for g in data["games"] if g["slug"] == "quiz")
    assert quiz["settingsSchema"]["rounds"]["max"] == 10
    assert (quiz["minPlayers"], quiz["maxPlayers"]) == (2, 8)


# -- game launch ------------------------------------------------------------------
def test_play_redirects_each_player_to_the_launch_url_with_their_own_parameters(quiz_game):
    host_client, guest_client = Client(), Client()
    room = room_of(create_room(host_client))
    guest_client.post(f"/r/{room.room_code}", {"name": "Jonas"})
    members = {m.player.display_name: m for m in RoomMember.objects.select_related("player").filter(room=room)}
    host_actor = Actor.player(player_id=members["Maya"].player_id, room_id=room.pk)
    services.game_select(room=room, game_slug="quiz", settings={"rounds": 2}, actor=host_actor)
    services.game_start(room=room, actor=host_actor)
    for client, name, role in ((host_client, "Maya", "gm"), (guest_client, "Jonas", "player")):
        response = client.get(f"/rooms/{room.room_code}/play")
        assert response.status_code == 302
        url = urlsplit(response["Location"])
        assert (url.scheme, url.netloc, url.path) == ("https", "games.example", "/quiz")
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        token = cookies.decode(client.cookies[settings.PLAYER_COOKIE_NAME].value)[room.room_code]
        assert params == {
            "roomCode": room.room_code,
            "playerId": str(members[name].player_id),
            "sessionToken": token,
            "role": role,
            "returnUrl": f"http://testserver/rooms/{room.room_code}/",
            # What games written for the original GameBuddies read (issue 20, rooms/launch.py).
            "session": token,
            "room": room.room_code,
            "name": name,
            "isHost": "true" if role == "gm" else "false",
            "gameType": "quiz",
            "gameRunId": str(Room.objects.get(pk=room.pk).game_run_id),  # new at every game start
        }


def test_play_before_the_game_starts_goes_back_to_the_lobby():
    client = Client()
    room = room_of(create_room(client))
    assert client.get(f"/rooms/{room.room_code}/play")["Location"] == f"/rooms/{room.room_code}/"


def test_play_without_a_seat_goes_to_the_join_link():
    room, _ = make_room()
    assert Client().get(f"/rooms/{room.room_code}/play")["Location"] == f"/r/{room.room_code}"


def test_launch_url_keeps_the_games_own_query_and_replaces_launch_parameters():
    url = build_launch_url(
        "https://g.example/play?lang=de&role=evil#top",
        room_code="ABCDEF",
        player_id="p1",
        session_token="gbs_x",
        role="player",
        return_url="https://gb.example/rooms/ABCDEF/",
    )
    parts = urlsplit(url)
    assert parts.fragment == "top"
    assert parse_qs(parts.query) == {
        "lang": ["de"],
        "roomCode": ["ABCDEF"],
        "playerId": ["p1"],
        "sessionToken": ["gbs_x"],
        "role": ["player"],
        "returnUrl": ["https://gb.example/rooms/ABCDEF/"],
        "session": ["gbs_x"],
        "room": ["ABCDEF"],
        "isHost": ["false"],
    }
    assert build_launch_url(
        "/games/quiz/", room_code="A", player_id="p", session_token="t", role="host", return_url="/r"
    ).startswith("/games/quiz/?")


@override_settings(PUBLIC_BASE_URL="https://play.example")
def test_public_base_url_is_used_for_share_and_return_links():
    client = Client()
    room = room_of(create_room(client))
    assert lobby_data(client.get(f"/rooms/{room.room_code}/"))["urls"]["join"] == (
        f"https://play.example/r/{room.room_code}"
    )


# -- code guessing and creation limits --------------------------------------------
def unknown_codes(count: int):
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return [f"QQ{alphabet[i // 31 % 31]}{alphabet[i % 31]}ZZ" for i in range(count)]


@override_settings(ROOM_CODE_GUESS_RATE="20/m")
def test_guessing_codes_ends_in_429_with_retry_after_on_every_page_route():
    room, _ = make_room()
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [join_by_code(guesser, code).status_code for code in unknown_codes(40)]
    assert statuses[:20] == [404] * 20
    assert set(statuses[20:]) == {429}
    # Every code route now refuses this IP, even for a real code...
    for response in (
        join_by_code(guesser, room.room_code),
        guesser.get(f"/r/{room.room_code}"),
        guesser.get(f"/rooms/{room.room_code}/"),
        guesser.get(f"/rooms/{room.room_code}/play"),
    ):
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 60
    # ...while another IP is not affected.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert join_by_code(other, room.room_code).status_code == 302


@override_settings(ROOM_CODE_GUESS_RATE="20/m")
def test_guessing_through_the_link_route_counts_too():
    guesser = Client(REMOTE_ADDR="203.0.113.10")
    statuses = [guesser.get(f"/r/{code}").status_code for code in unknown_codes(25)]
    assert statuses[:20] == [404] * 20 and statuses[-1] == 429


@override_settings(ROOM_CREATE_RATE="3/m")
def test_room_creation_from_the_pages_is_limited_per_ip():
    client = Client(REMOTE_ADDR="203.0.113.11")
    statuses = [create_room(client).status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Room.objects.count() == 3
    assert create_room(Client(REMOTE_ADDR="198.51.100.8")).status_code == 302


def test_unknown_page_uses_the_product_404():
    response = Client().get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_a_seat_issued_by_the_api_is_claimed_once_and_sets_the_seat_cookie(client):
    seat = services.room_create(host_name="Api Host", actor=Actor.system("test"))
    code = seat.room.room_code
    claim_code = claim_issue(player=seat.player, room=seat.room)
    page = client.get(f"/rooms/{code}/claim")
    assert page.status_code == 200 and "claim.js" in page.content.decode()
    assert claim_code not in page.content.decode()
    response = client.post(f"/rooms/{code}/claim", {"claim": claim_code})
    assert response.status_code == 302 and response["Location"] == f"/rooms/{code}/"
    lobby = client.get(f"/rooms/{code}/")
    assert lobby.status_code == 200 and "Api Host" in lobby.content.decode()
    assert Client().post(f"/rooms/{code}/claim", {"claim": claim_code}).status_code == 403  # used up


def test_a_seat_claim_with_another_rooms_code_is_refused(client):
    mine = services.room_create(host_name="Mine", actor=Actor.system("test"))
    other = services.room_create(host_name="Other", actor=Actor.system("test"))
    claim_code = claim_issue(player=other.player, room=other.room)
    response = client.post(f"/rooms/{mine.room.room_code}/claim", {"claim": claim_code})
    assert response.status_code == 403
    assert client.get(f"/rooms/{mine.room.room_code}/").status_code == 302  # not seated
