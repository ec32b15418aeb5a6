"""A room in the lobby has nobody in the game (PostgreSQL backs the services' rule).

The services refuse a report that would put a member in the game while the room is not
playing one, and `game_end` brings everyone in the game back. These constraint triggers
make raw SQL (or a future code path) unable to strand a player "in game" in a lobby room.
They are deferred to the end of the transaction, because a game start moves its members
before the room's status changes and a game end the other way round. SQLite has no
deferred triggers; there the services are the guard.
"""

from django.db import migrations

from gamebuddies.migration_ops import RunSQLByVendor

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION gb_member_location_fits_room() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM room_members WHERE id = NEW.id AND current_location = 'game')
         AND EXISTS (SELECT 1 FROM rooms WHERE id = NEW.room_id AND status = 'lobby') THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'room_members_game_needs_room_in_game',
          MESSAGE = 'room ' || NEW.room_id || ' is in the lobby: member ' || NEW.id || ' cannot be in the game';
      END IF;
      RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER room_members_game_needs_room_in_game
    AFTER INSERT OR UPDATE OF current_location ON room_members
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.current_location = 'game')
    EXECUTE FUNCTION gb_member_location_fits_room();
    """,
    """
    CREATE OR REPLACE FUNCTION gb_lobby_has_nobody_in_game() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM rooms WHERE id = NEW.id AND status = 'lobby')
         AND EXISTS (SELECT 1 FROM room_members WHERE room_id = NEW.id AND current_location = 'game') THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'rooms_lobby_has_nobody_in_game',
          MESSAGE = 'room ' || NEW.id || ' is in the lobby with members still in the game';
      END IF;
      RETURN NULL;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE CONSTRAINT TRIGGER rooms_lobby_has_nobody_in_game
    AFTER UPDATE OF status ON rooms
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.status = 'lobby' AND OLD.status IS DISTINCT FROM 'lobby')
    EXECUTE FUNCTION gb_lobby_has_nobody_in_game();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS room_members_game_needs_room_in_game ON room_members;",
    "DROP FUNCTION IF EXISTS gb_member_location_fits_room();",
    "DROP TRIGGER IF EXISTS rooms_lobby_has_nobody_in_game ON rooms;",
    "DROP FUNCTION IF EXISTS gb_lobby_has_nobody_in_game();",
]


class Migration(migrations.Migration):
    dependencies = [("rooms", "0005_admin_permissions")]

    operations = [
        RunSQLByVendor(
            forwards={"postgresql": POSTGRES_FORWARD, "sqlite": []},
            backwards={"postgresql": POSTGRES_BACKWARD, "sqlite": []},
        )
    ]
