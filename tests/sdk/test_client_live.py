"""The Python SDK against a live GameBuddies server: every endpoint, typed results and typed errors."""

from __future__ import annotations

import uuid

import pytest
from gamebuddies_sdk import (
    BulkPlayerUpdate,
    CreatedRoom,
    ForbiddenError,
    GameBuddiesClient,
    GameNotFoundError,
    InsufficientScopeError,
    InvalidApiKeyError,
    NotFoundError,
    PlayerNotFoundError,
    RoomFullError,
    RoomNotFoundError,
    RoomSnapshot,
    StateConflictError,
    ValidationError,
)

from gamebuddies.actors import Actor
from rooms import services
from rooms.models import Room

from .sdk_setup import FAST_RETRY, make_key

pytestmark = pytest.mark.django_db(transaction=True)


def start_game_as_host(created: CreatedRoom) -> None:
    """What the host's "Start game" button does in the lobby (not an API operation)."""
    room = Room.objects.get(room_code=created.room_code, status="lobby")
    services.game_start(room=room, actor=Actor.player(player_id=uuid.UUID(created.host.player_id), room_id=room.pk))


def test_validate_key_reports_the_service_scopes_and_expiry(client):
    info = client.validate_key()
    assert info.valid is True
    assert info.service == "sdk-tests"
    assert "rooms:write" in info.scopes and "status:write" in info.scopes
    assert info.expires_at and info.game is None
    assert client.last_response.status == 200 and client.last_response.request_id


def test_health_answers_without_touching_a_room(client):
    assert client.health()["status"] == "healthy"


def test_a_room_is_created_seated_read_and_its_sessions_validated(client):
    created = client.create_room("Ana", game="reaction", settings={"rounds": 3})
    assert isinstance(created, CreatedRoom)
    assert len(created.room_code) == 6 and created.version >= 1
    assert created.host.session_token.startswith("gbs_")
    assert f"/rooms/{created.room_code}/claim#claim=gbc_" in created.host.lobby_url

    seat = client.add_player(created.room_code, "Ben")
    assert seat.session_token.startswith("gbs_") and seat.version > created.version
    watcher = client.add_player(created.room_code.lower(), "Cleo", role="spectator")

    snapshot = client.get_room(created.room_code)
    assert isinstance(snapshot, RoomSnapshot)
    assert snapshot.room.code == created.room_code and snapshot.room.current_game == "reaction"
    assert snapshot.room.settings == {"rounds": 3}
    assert snapshot.version == snapshot.room.version >= seat.version
    assert [p.name for p in snapshot.players] == ["Ana", "Ben", "Cleo"]
    assert snapshot.player(created.host.player_id).is_host
    assert snapshot.player(watcher.player_id).role == "spectator"

    who = client.validate_session(seat.session_token)
    assert who.valid and who.player_id == seat.player_id and who.room_code == created.room_code
    assert who.role == "player" and who.is_host is False and who.display_name == "Ben"
    assert client.validate_session("gbs_not-a-real-token").valid is False


def test_status_heartbeat_bulk_state_game_end_and_events(client):
    created = client.create_room("Ana", game="reaction")
    ben = client.add_player(created.room_code, "Ben")
    start_game_as_host(created)

    ack = client.update_player_status(
        created.room_code, ben.player_id, status="in_game", location="game", metadata={"round": 1}
    )
    assert ack.success and ack.update_id and ack.timestamp
    assert ack.player.id == ben.player_id and ack.player.game_data["round"] == 1
    assert ack.broadcasted is None

    waited = client.update_player_status(
        created.room_code, ben.player_id, status="in_game", metadata={"round": 2}, wait_for_broadcast=True
    )
    assert waited.broadcasted is True and waited.room_version == ack.room_version + 1

    beat = client.heartbeat(created.room_code, ben.player_id)
    assert beat.success and beat.next_heartbeat_ms > 0 and beat.server_time

    bulk = client.bulk_update_status(
        created.room_code,
        [
            BulkPlayerUpdate(created.host.player_id, location="game", game_data={"score": 3}),
            {"playerId": ben.player_id, "location": "game", "gameData": {"score": 5}},
        ],
        reason="round scored",
    )
    assert bulk.success and (bulk.total, bulk.successful, bulk.failed) == (2, 2, 0)

    assert client.get_game_state(created.room_code, game="reaction").version == 0
    saved = client.save_game_state(created.room_code, game="reaction", state={"round": 1}, expected_version=0)
    assert saved.version == 1 and saved.state == {"round": 1}
    latest = client.get_game_state(created.room_code, game="reaction")
    assert (latest.version, latest.state) == (1, {"round": 1}) and latest.created_at

    ended = client.end_game(created.room_code, game_result={"winner": ben.player_id})
    assert ended.success and ended.players_returned == 2 and ended.room_version > bulk.room_version
    after = client.get_room(created.room_code)
    assert after.room.status == "lobby" and after.room.metadata["lastGameResult"] == {"winner": ben.player_id}
    assert after.players_in_game == []

    page = client.list_events(created.room_code, after=0, limit=3)
    assert [e.room_version for e in page.events] == [1, 2, 3] and page.has_more
    assert page.events[0].type == "room_created"
    every = list(client.iter_events(created.room_code, after=page.next_after))
    assert every[0].room_version == 4 and every[-1].type == "game_ended"
    assert every[-1].room_version == ended.room_version


def test_each_error_code_raises_its_own_exception_with_the_envelope_details(client, live_server_url):
    created = client.create_room("Ana", game="reaction", max_players=2)
    ben = client.add_player(created.room_code, "Ben")

    with pytest.raises(RoomFullError) as full:
        client.add_player(created.room_code, "Cleo")
    assert full.value.status == 409 and full.value.request_id and not full.value.retryable

    with pytest.raises(RoomNotFoundError) as missing:
        client.get_room("ZZZZZZ")
    assert isinstance(missing.value, NotFoundError) and missing.value.status == 404

    with pytest.raises(PlayerNotFoundError):
        client.heartbeat(created.room_code, str(uuid.uuid4()))

    with pytest.raises(GameNotFoundError):
        client.create_room("Ana", game="no-such-game")

    with pytest.raises(ValidationError) as invalid:
        client.update_player_status(created.room_code, ben.player_id, status="dancing")
    assert invalid.value.field == "status" and invalid.value.status == 400

    with pytest.raises(StateConflictError) as conflict:
        client.update_player_status(created.room_code, ben.player_id, status="connected", expected_version=999)
    assert conflict.value.current_state["version"] >= ben.version
    assert {p["name"] for p in conflict.value.current_state["players"]} == {"Ana", "Ben"}
    assert client.last_response.attempts == 1  # a conflict is for the caller to resolve, never retried

    with GameBuddiesClient(live_server_url, "gb_" + "0" * 64, retry=FAST_RETRY) as stranger:
        with pytest.raises(InvalidApiKeyError) as bad_key:
            stranger.validate_key()
    assert bad_key.value.status == 401 and bad_key.value.code == "INVALID_API_KEY"

    with GameBuddiesClient(live_server_url, make_key(scopes=["rooms:read"]), retry=FAST_RETRY) as reader:
        assert reader.get_room(created.room_code).room.code == created.room_code
        with pytest.raises(InsufficientScopeError) as scope:
            reader.create_room("Dan")
    assert scope.value.status == 403

    quiz_only = make_key(game_slug="quiz")
    with GameBuddiesClient(live_server_url, quiz_only, retry=FAST_RETRY) as other_game:
        with pytest.raises(RoomNotFoundError):  # another game's room is no room to a bound key
            other_game.heartbeat(created.room_code, ben.player_id)
        with pytest.raises(ForbiddenError):  # naming another game is refused as such
            other_game.get_game_state(created.room_code, game="reaction")
