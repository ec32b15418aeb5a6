"""POST /api/v2/rooms/{code}/game-start: a game with its own server starts the game (issue 17).

The same service and checks as the host's Start button (rooms.services.game_start): the room in
the lobby with a game picked and enough connected players; every connected participant goes
into the game in one version. After it, the room is in a game and reports from it are accepted.
"""

from __future__ import annotations

import pytest

from players.models import PlayerStatusHistory
from rooms import services
from rooms.models import Game, Room, RoomEvent, RoomMember
from tests.factories import SYSTEM, make_room, player_actor

from .client import ApiClient, assert_envelope, make_key

pytestmark = pytest.mark.django_db


def start(api: ApiClient, room, body=None):
    return api.post(f"/rooms/{room.room_code}/game-start", body)


def locations(room) -> dict:
    return dict(RoomMember.objects.filter(room=room).values_list("player_id", "current_location"))


def test_game_server_starts_the_game_moving_every_connected_participant_in_one_version(api, quiz_game):
    room, seats = make_room(players=4, game_slug="quiz")
    spectator = services.room_join(room=room.room_code, display_name="Watcher", actor=SYSTEM, role="spectator")
    gone = seats[3]
    services.update_player_status(room=room.pk, player_id=gone.player.pk, status="disconnected", actor=SYSTEM)
    room = Room.objects.get(pk=room.pk)
    assert not RoomMember.objects.filter(room=room, is_ready=True).exists()  # nobody needs to be ready

    response = start(api, room)
    assert response.status_code == 200, response.content
    body = response.json()
    playing = [str(s.player.pk) for s in seats[:3]]
    assert body == {"success": True, "game": "quiz", "players": playing, "roomVersion": room.version + 1}
    after = Room.objects.get(pk=room.pk)
    assert (after.status, after.version) == ("in_game", room.version + 1)
    assert locations(room) == {
        **{s.player.pk: "game" for s in seats[:3]},
        gone.player.pk: "disconnected",
        spectator.player.pk: "lobby",
    }
    event = RoomEvent.objects.get(room=room, room_version=after.version)
    assert event.event_type == "game_started" and event.event_data["actor"]["kind"] == "api_key"
    assert PlayerStatusHistory.objects.filter(room=room, reason="game started").count() == 3


def test_game_start_settings_replace_the_rooms_and_are_checked_against_the_catalog(api, quiz_game):
    room, _ = make_room(players=2, game_slug="quiz")
    refused = start(api, room, {"settings": {"rounds": 99}})
    assert assert_envelope(refused, "VALIDATION_ERROR", 400)["field"] == "settings.rounds"
    assert Room.objects.get(pk=room.pk).status == "lobby"
    assert start(api, room, {"settings": {"rounds": 7}}).status_code == 200
    assert Room.objects.get(pk=room.pk).game_settings == {"rounds": 7}


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda room, seats: services.game_start(room=room.pk, actor=player_actor(seats[0])), "in game"),
        (lambda room, seats: Room.objects.filter(pk=room.pk).update(current_game=None), "Pick a game first"),
        (lambda room, seats: services.room_leave(room=room.pk, player_id=seats[1].player.pk, actor=SYSTEM), "2-8"),
    ],
    ids=["already in a game", "no game picked", "too few players"],
)
def test_game_start_refuses_what_the_hosts_start_refuses_with_409_invalid_room_state(api, quiz_game, prepare, message):
    room, seats = make_room(players=2, game_slug="quiz")
    prepare(room, seats)
    version = Room.objects.get(pk=room.pk).version
    body = assert_envelope(start(api, room), "INVALID_ROOM_STATE", 409)
    assert message in body["error"]
    assert Room.objects.get(pk=room.pk).version == version


def test_game_start_needs_state_write_and_a_key_bound_to_the_rooms_game(quiz_game):
    room, _ = make_room(players=2, game_slug="quiz")
    status_only, _ = make_key(scopes=["status:write", "rooms:read"])
    assert_envelope(start(ApiClient(status_only), room), "INSUFFICIENT_SCOPE", 403)
    Game.objects.create(slug="race", name="Race", launch_url="https://games.example/race", min_players=2, max_players=8)
    other_game, _ = make_key(scopes=["state:write"], game_slug="race")
    assert_envelope(start(ApiClient(other_game), room), "ROOM_NOT_FOUND", 404)  # no such room, to that key
    assert Room.objects.get(pk=room.pk).status == "lobby"
    this_game, _ = make_key(scopes=["state:write"], game_slug="quiz")
    assert start(ApiClient(this_game), room).status_code == 200


def test_after_the_api_started_the_game_reports_from_it_are_accepted_and_after_the_end_refused(api, quiz_game):
    room, seats = make_room(players=2, game_slug="quiz")
    path = f"/rooms/{room.room_code}/players/{seats[1].player.pk}/status"
    report = {"status": "in_game", "location": "game", "metadata": {"round": 1}}
    assert_envelope(api.post(path, report), "ROOM_NOT_IN_GAME", 409)
    assert start(api, room).status_code == 200
    assert api.post(path, report).status_code == 200
    assert api.post(f"/rooms/{room.room_code}/game-end").json()["changed"] is True
    assert_envelope(api.post(path, report), "ROOM_NOT_IN_GAME", 409)
