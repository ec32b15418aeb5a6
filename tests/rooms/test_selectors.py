"""rooms/selectors.py: reads of rooms and games, reads on behalf of an actor (authorised here,
so the adapters do not authorise reads themselves), and the snapshot cache they keep."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gamebuddies.actors import Actor
from gamebuddies.errors import (
    ForbiddenError,
    GameNotFoundError,
    RoomClosedError,
    RoomNotFoundError,
    ValidationError,
)
from rooms import selectors
from rooms.models import Game, Room, RoomStatus
from tests.factories import make_room, player_actor

pytestmark = pytest.mark.django_db

QUIZ_KEY = Actor.api_key(api_key_id=1, game_slug="quiz")
REACTION_KEY = Actor.api_key(api_key_id=2, game_slug="reaction")


def test_a_live_room_is_found_by_its_code_however_typed_and_a_closed_one_says_so():
    room, _ = make_room(players=1)
    assert selectors.room_get_live(code=f"  {room.room_code.lower()} ").pk == room.pk
    Room.objects.filter(pk=room.pk).update(status=RoomStatus.FINISHED)
    with pytest.raises(RoomClosedError):
        selectors.room_get_live(code=room.room_code)
    with pytest.raises(RoomNotFoundError):
        selectors.room_get_live(code="nope")


def test_a_room_is_read_for_an_actor_only_if_that_actor_may_see_it(quiz_game):
    room, seats = make_room(players=1, game_slug="quiz")
    other, _ = make_room(players=1)
    assert selectors.room_get_for_actor(code=room.room_code, actor=player_actor(seats[0])).pk == room.pk
    assert selectors.room_get_for_actor(code=room.room_code, actor=QUIZ_KEY).pk == room.pk
    with pytest.raises(ForbiddenError):
        selectors.room_get_for_actor(code=other.room_code, actor=player_actor(seats[0]))
    with pytest.raises(RoomNotFoundError):  # another game's room does not exist for a bound key
        selectors.room_get_for_actor(code=room.room_code, actor=REACTION_KEY)


def test_a_room_already_in_hand_is_visible_only_to_an_actor_that_may_read_it(quiz_game):
    room, seats = make_room(players=1, game_slug="quiz")
    other, _ = make_room(players=1)
    assert selectors.room_visible_to_actor(room=room, actor=QUIZ_KEY)
    assert selectors.room_visible_to_actor(room=room, actor=player_actor(seats[0]))
    assert not selectors.room_visible_to_actor(room=room, actor=REACTION_KEY)
    assert not selectors.room_visible_to_actor(room=other, actor=player_actor(seats[0]))
    assert not selectors.room_visible_to_actor(room=room, actor=Actor.visitor())


def test_the_game_a_read_is_about_is_the_named_one_or_a_bound_keys_own():
    assert selectors.game_slug_for_actor(actor=QUIZ_KEY, requested=None) == "quiz"
    assert selectors.game_slug_for_actor(actor=Actor.system(), requested="reaction") == "reaction"
    with pytest.raises(ForbiddenError):
        selectors.game_slug_for_actor(actor=QUIZ_KEY, requested="reaction")
    with pytest.raises(ValidationError, match="game is required"):
        selectors.game_slug_for_actor(actor=Actor.system(), requested=None)


def test_only_active_games_are_found_to_play_and_their_pages_admitted(quiz_game):
    Game.objects.create(slug="old", name="Old", launch_url="https://old.example/play", is_active=False)
    assert selectors.game_get_active(slug="quiz") == quiz_game
    with pytest.raises(GameNotFoundError):
        selectors.game_get_active(slug="old")
    assert selectors.game_launch_urls() == ["https://games.example/quiz"]


def test_a_snapshot_is_cached_under_its_version_and_a_stale_entry_is_never_served():
    room, _ = make_room(players=2)
    cache.clear()
    with CaptureQueriesContext(connection) as built:
        first = selectors.room_snapshot(room=room)
    with CaptureQueriesContext(connection) as cached:
        assert selectors.room_snapshot(room=room) == first
    assert len(built.captured_queries) == 1 and len(cached.captured_queries) == 0
    # An entry for another version (a change committed meanwhile) is rebuilt, not served.
    selectors.cache_room_state(room_id=room.pk, version=room.version - 1, payload_json='{"state": "stale"}')
    assert selectors.room_snapshot(room=room) == first


def test_a_cache_that_fails_costs_only_the_rebuild(monkeypatch):
    room, _ = make_room(players=1)

    def broken(*args, **kwargs):
        raise ConnectionError("redis away")

    monkeypatch.setattr(selectors.cache, "get", broken)
    monkeypatch.setattr(selectors.cache, "set", broken)
    assert selectors.room_snapshot(room=room)["room"]["code"] == room.room_code


def test_events_are_read_after_a_version_in_order_a_page_at_a_time():
    room, _ = make_room(players=3)  # room_created, then two player_joined
    events = selectors.room_events_after(room=room, after_version=1, limit=10)
    assert [e.event_type for e in events] == ["player_joined", "player_joined"]
    assert [e.room_version for e in selectors.room_events_after(room=room, after_version=0, limit=2)] == [1, 2]
