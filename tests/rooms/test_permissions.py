"""rooms/permissions.py, the one place that decides who may do what to a room: each rule on its
own, with in-memory rooms and seats (the services' tests show the rules applied end to end)."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest

from gamebuddies.actors import Actor
from gamebuddies.errors import ForbiddenError, RoomNotFoundError
from players.models import PlayerSession
from rooms import permissions
from rooms.models import MemberRole, Room, RoomMember

ROOM = Room(room_code="ABCDEF", current_game_id="quiz")
OTHER_ROOM = Room(room_code="GHJKMN", current_game_id="quiz")
PLAYER_ID = uuid.uuid4()
PLAYER = Actor.player(player_id=PLAYER_ID, room_id=ROOM.pk)
QUIZ_KEY = Actor.api_key(api_key_id=1, game_slug="quiz")
OPEN_KEY = Actor.api_key(api_key_id=2, game_slug=None)
STAFF = Actor.staff(permissions=["rooms.close_room"])
SYSTEM = Actor.system()
VISITOR = Actor.visitor()


def seat(role: str) -> RoomMember:
    return RoomMember(room=ROOM, player_id=PLAYER_ID, role=role)


def session_in(room: Room) -> PlayerSession:
    return PlayerSession(room=room, player_id=PLAYER_ID)


def test_visitors_act_on_a_room_only_where_the_caller_allows_it_and_players_only_on_their_own():
    with pytest.raises(ForbiddenError):
        permissions.authorize_room(VISITOR, ROOM)
    permissions.authorize_room(VISITOR, ROOM, visitors_allowed=True)
    permissions.authorize_room(PLAYER, ROOM)
    with pytest.raises(ForbiddenError, match="another room"):
        permissions.authorize_room(PLAYER, OTHER_ROOM)


def test_to_a_key_bound_to_another_game_the_room_does_not_exist():
    permissions.authorize_room(QUIZ_KEY, ROOM)
    permissions.authorize_room(OPEN_KEY, Room(room_code="PQRSTU", current_game_id="reaction"))
    with pytest.raises(RoomNotFoundError):
        permissions.authorize_room(QUIZ_KEY, Room(room_code="PQRSTU", current_game_id="reaction"))


def test_a_session_acts_only_in_the_room_it_was_issued_for_by_room_or_by_code():
    permissions.require_session_in_room(session_in(ROOM), room=ROOM)
    permissions.require_session_in_room(session_in(ROOM), room_code="ABCDEF")
    with pytest.raises(ForbiddenError, match="This session belongs to another room"):
        permissions.require_session_in_room(session_in(OTHER_ROOM), room=ROOM)
    with pytest.raises(ForbiddenError, match="This session belongs to another room"):
        permissions.require_session_in_room(session_in(OTHER_ROOM), room_code="ABCDEF")


def test_a_bound_key_acts_for_its_own_game_which_is_also_its_default():
    assert permissions.require_game_binding(QUIZ_KEY, None) == "quiz"
    assert permissions.require_game_binding(QUIZ_KEY, "quiz") == "quiz"
    with pytest.raises(ForbiddenError, match="bound to another game") as refused:
        permissions.require_game_binding(QUIZ_KEY, "reaction")
    assert refused.value.field == "game"
    # Everyone else asks for what they name (or nothing).
    assert permissions.require_game_binding(OPEN_KEY, "reaction") == "reaction"
    assert permissions.require_game_binding(STAFF, None) is None
    assert permissions.require_game_binding(PLAYER, "reaction") == "reaction"


def test_spectators_and_seatless_players_change_nothing_and_the_refusal_says_what_they_tried():
    permissions.require_participant(PLAYER, seat(MemberRole.PLAYER))
    permissions.require_participant(QUIZ_KEY, None)  # not a player: other rules govern keys
    with pytest.raises(ForbiddenError, match="Spectators can watch"):
        permissions.require_participant(PLAYER, seat(MemberRole.SPECTATOR))
    with pytest.raises(ForbiddenError, match="Spectators can watch"):
        permissions.require_participant(PLAYER, None)
    with pytest.raises(ForbiddenError, match="they do not send results"):
        permissions.require_participant(
            PLAYER, seat(MemberRole.SPECTATOR), message="Spectators watch the game; they do not send results"
        )


def test_host_actions_need_the_host_and_game_starts_also_the_games_server():
    permissions.require_host(PLAYER, seat(MemberRole.HOST))
    permissions.require_host(STAFF, None)
    for actor, member in ((PLAYER, seat(MemberRole.PLAYER)), (QUIZ_KEY, None)):
        with pytest.raises(ForbiddenError):
            permissions.require_host(actor, member)
    permissions.require_host_or_game_server(QUIZ_KEY, None)
    with pytest.raises(ForbiddenError):
        permissions.require_host_or_game_server(PLAYER, seat(MemberRole.PLAYER))


def test_upkeep_is_for_the_platform_only_with_the_callers_own_wording():
    permissions.require_platform(STAFF)
    permissions.require_platform(SYSTEM)
    for actor in (PLAYER, QUIZ_KEY, VISITOR):
        with pytest.raises(ForbiddenError, match="Only the platform can do that"):
            permissions.require_platform(actor)
    with pytest.raises(ForbiddenError, match="Only staff can close a room"):
        permissions.require_platform(PLAYER, message="Only staff can close a room")


def test_integration_changes_are_for_keys_staff_and_the_platform():
    for actor in (QUIZ_KEY, STAFF, SYSTEM):
        permissions.require_integration(actor)
    for actor in (PLAYER, VISITOR):
        with pytest.raises(ForbiddenError):
            permissions.require_integration(actor)


def test_players_change_only_their_own_status():
    permissions.require_self(PLAYER, PLAYER_ID)
    permissions.require_self(QUIZ_KEY, uuid.uuid4())
    with pytest.raises(ForbiddenError):
        permissions.require_self(PLAYER, uuid.uuid4())


def test_staff_need_the_admin_permission_for_the_change():
    permissions.require_staff_permission(STAFF, "rooms.close_room")
    permissions.require_staff_permission(SYSTEM, "rooms.kick_member")
    with pytest.raises(ForbiddenError):
        permissions.require_staff_permission(STAFF, "rooms.kick_member")


def test_chat_is_written_by_seated_players_and_by_spectators_only_when_allowed():
    permissions.require_chat_sender(PLAYER, seat(MemberRole.PLAYER), spectators_allowed=False)
    permissions.require_chat_sender(PLAYER, seat(MemberRole.SPECTATOR), spectators_allowed=True)
    with pytest.raises(ForbiddenError):
        permissions.require_chat_sender(PLAYER, seat(MemberRole.SPECTATOR), spectators_allowed=False)
    with pytest.raises(ForbiddenError):
        permissions.require_chat_sender(PLAYER, None, spectators_allowed=True)
    with pytest.raises(ForbiddenError):
        permissions.require_chat_sender(STAFF, None, spectators_allowed=True)


def test_the_acting_seat_is_the_players_own_and_a_player_without_one_may_do_nothing():
    mine = seat(MemberRole.PLAYER)
    assert permissions.acting_member(PLAYER, {PLAYER_ID: mine}) is mine
    assert permissions.acting_member(STAFF, {}) is None
    with pytest.raises(ForbiddenError):
        permissions.acting_member(PLAYER, {})


def test_the_game_api_leaves_authorisation_to_services_and_selectors():
    # Its views, operations and lean path read through rooms.selectors (room_get_for_actor,
    # game_slug_for_actor, room_visible_to_actor), so no adapter holds a copy of a rule that could
    # drift from this module. Services (gameapi's own, compat's, webhooks') call the rules directly.
    gameapi = Path(__file__).resolve().parents[2] / "gameapi"
    importing = [
        str(path.relative_to(gameapi))
        for path in sorted(gameapi.rglob("*.py"))
        if path.name != "services.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if (isinstance(node, ast.ImportFrom) and node.module == "rooms.permissions")
        or (
            isinstance(node, ast.ImportFrom)
            and node.module == "rooms"
            and any(a.name == "permissions" for a in node.names)
        )
        or (isinstance(node, ast.Import) and any(alias.name == "rooms.permissions" for alias in node.names))
    ]
    assert importing == []
