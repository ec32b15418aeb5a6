"""The public room browser (issue 23): what is listed, the one-query selector, the ETag feed, the host's switch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from gamebuddies.errors import ForbiddenError
from rooms import services
from rooms.models import MemberRole, Room, RoomStatus
from rooms.room_list import public_lobbies
from rooms.services.listing import room_set_public
from tests.factories import SYSTEM, make_room, player_actor

pytestmark = pytest.mark.django_db


def public_room(*, players: int = 1, max_players: int | None = None):
    room, seats = make_room(players=players, max_players=max_players)
    room_set_public(room=room.pk, actor=player_actor(seats[0]), public=True)
    return Room.objects.get(pk=room.pk), seats


def listed_codes() -> list[str]:
    return [r["code"] for r in public_lobbies()]


def test_rooms_are_private_until_the_host_lists_them_and_the_switch_is_a_versioned_change():
    room, (host, guest) = make_room(players=2)
    assert room.is_public is False and listed_codes() == []
    change = room_set_public(room=room.pk, actor=player_actor(host), public=True)
    assert change.version == room.version + 1 and change.state["room"]["isPublic"] is True
    assert listed_codes() == [room.room_code]
    with pytest.raises(ForbiddenError):
        room_set_public(room=room.pk, actor=player_actor(guest), public=False)


def test_the_listing_shows_game_players_and_host_newest_first(quiz_game):
    older, _ = public_room(players=2)
    newer, (host,) = public_room()
    services.game_select(room=newer.pk, actor=player_actor(host), game_slug=quiz_game.slug, settings=None)
    services.room_join(room=newer.room_code, display_name="Watcher", actor=SYSTEM, role=MemberRole.SPECTATOR)
    rows = public_lobbies()
    assert [r["code"] for r in rows] == [newer.room_code, older.room_code]
    assert rows[0] == {
        "code": newer.room_code,
        "game": quiz_game.name,
        "players": 1,  # spectators take no player seat
        "maxPlayers": newer.max_players,
        "host": "Host",
    }


def test_full_private_in_game_and_closed_rooms_are_not_listed():
    listed, _ = public_room()
    full, _ = public_room(players=2, max_players=2)
    in_game, _ = public_room()
    Room.objects.filter(pk=in_game.pk).update(status=RoomStatus.IN_GAME)
    closed, _ = public_room()
    services.room_close(room=closed.pk, actor=SYSTEM)
    make_room()  # private
    assert listed_codes() == [listed.room_code]
    assert full.room_code not in listed_codes()


def test_the_listing_is_one_query_however_many_rooms_exist(django_assert_num_queries):
    for n in range(12):
        public_room(players=1 + n % 3)
    with django_assert_num_queries(1):
        assert len(public_lobbies()) == 12


@pytest.mark.postgres
def test_the_public_lobby_index_exists_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_rooms_public_lobby'")
        (definition,) = cursor.fetchone()
    assert "is_public" in definition and "created_at DESC" in definition


def test_the_feed_answers_304_until_the_listing_changes():
    client = Client()
    first = client.get("/rooms/feed")
    assert first.status_code == 200 and first.json() == {"rooms": []}
    etag = first["ETag"]
    assert client.get("/rooms/feed", HTTP_IF_NONE_MATCH=etag).status_code == 304
    room, _ = public_room()
    changed = client.get("/rooms/feed", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["rooms"][0]["code"] == room.room_code
    assert changed["ETag"] != etag


def test_a_client_polling_the_feed_in_a_loop_is_slowed_per_ip_and_others_still_get_answers(settings):
    settings.ROOM_LIST_FEED_RATE = "3/m"
    looping = Client(REMOTE_ADDR="203.0.113.40")
    assert [looping.get("/rooms/feed").status_code for _ in range(3)] == [200, 200, 200]
    refused = looping.get("/rooms/feed")
    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_LIMITED" and int(refused["Retry-After"]) >= 1
    assert Client(REMOTE_ADDR="198.51.100.40").get("/rooms/feed").status_code == 200


def test_the_page_lists_rooms_as_text_with_a_join_link_through_the_join_page():
    room, (host,) = public_room()
    host.player.display_name = "<b>Hal</b>"
    host.player.save(update_fields=["display_name"])
    page = Client().get("/rooms/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'href="/r/{room.room_code}"' in body
    assert "&lt;b&gt;Hal&lt;/b&gt;" in body and "<b>Hal</b>" not in body


def test_the_lobby_offers_the_switch_to_the_host_and_an_invite_qr_code():
    room, (host,) = make_room(players=1)
    from tests.rooms.sockets import cookie_header  # the seat's cookie, as the browser holds it

    client = Client(HTTP_COOKIE=cookie_header(room.room_code, host.token).decode())
    page = client.get(f"/rooms/{room.room_code}/").content.decode()
    assert 'id="public-room"' in page and 'id="chat"' in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<script" not in page.split('id="invite-qr"')[1][:4000]
    assert "style=" not in page.split('id="invite-qr"')[1].split("</figure>")[0]


def test_the_room_version_trigger_survives_the_migration_that_added_is_public():
    # SQLite rebuilds the rooms table for the new NOT NULL column; migration 0009 puts the trigger back.
    room, _ = make_room(players=1)
    Room.objects.filter(pk=room.pk).update(metadata={"x": 1})
    assert Room.objects.get(pk=room.pk).version == room.version + 1


def test_a_public_room_whose_host_left_is_listed_without_a_made_up_name():
    room, (host, guest) = public_room(players=2)
    Room.objects.filter(pk=room.pk).update(host=None)
    page = Client().get("/rooms/").content.decode()
    assert room.room_code in page and "None" not in page
