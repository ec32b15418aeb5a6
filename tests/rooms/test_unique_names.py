"""One look per room: every way of taking a seat refuses a name that looks like a taken one (issue 18 #10)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from players.names import NameTakenError
from rooms import services
from rooms.models import RoomMember
from tests.factories import SYSTEM, make_room
from tests.gameapi.client import ApiClient, assert_envelope, make_key


def _room_with_alice():
    room, _ = make_room()
    services.room_join(room=room.room_code, display_name="Alice", actor=SYSTEM)
    return room


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Ａｌｉｃｅ", "Alice\u00a0", "\u0410lice", "Al\u0131ce", "ALICE"])
def test_the_join_service_refuses_a_look_alike_and_seats_nobody(name):
    room = _room_with_alice()
    seats = RoomMember.objects.filter(room=room).count()
    with pytest.raises(NameTakenError):
        services.room_join(room=room.room_code, display_name=name, actor=SYSTEM)
    with pytest.raises(NameTakenError):
        services.room_join(room=room.room_code, display_name=name, actor=SYSTEM, role="spectator")
    assert RoomMember.objects.filter(room=room).count() == seats


@pytest.mark.django_db
def test_a_name_is_free_again_once_its_seat_is_gone_and_other_rooms_do_not_count():
    room = _room_with_alice()
    alice = RoomMember.objects.get(room=room, player__display_name="Alice")
    other, _ = make_room()
    services.room_join(room=other.room_code, display_name="Alice", actor=SYSTEM)
    services.room_leave(room=room.room_code, player_id=alice.player_id, actor=SYSTEM)
    services.room_join(room=room.room_code, display_name="\u0410lice", actor=SYSTEM)


@pytest.mark.django_db
def test_the_join_page_answers_409_with_a_clear_message():
    room = _room_with_alice()
    response = Client().post(f"/r/{room.room_code}", {"name": "\u0410lice"})
    assert response.status_code == 409
    assert "looks the same" in response.content.decode()


@pytest.mark.django_db
def test_the_api_join_answers_409_name_taken():
    room = _room_with_alice()
    raw, _ = make_key()
    response = ApiClient(raw).post(f"/rooms/{room.room_code}/players", {"name": "Al\u0131ce"})
    assert assert_envelope(response, "NAME_TAKEN", 409)["field"] == "name"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_joins_with_look_alike_names_seat_one_of_them():
    room, _ = make_room()
    outcomes, start = [], threading.Barrier(2)

    def join(name):
        start.wait()
        try:
            services.room_join(room=room.room_code, display_name=name, actor=SYSTEM)
            outcomes.append("seated")
        except NameTakenError:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=join, args=(name,)) for name in ("Alice", "\u0410lice")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["seated", "taken"]
    assert RoomMember.objects.filter(room=room).count() == 2
