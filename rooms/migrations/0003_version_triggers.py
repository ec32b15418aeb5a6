"""Every UPDATE of a room or member row raises its version by exactly one.

Enforced in the database so that no code path (raw SQL, the admin, a future service)
can change a row without its version moving. PostgreSQL uses a BEFORE UPDATE trigger.
SQLite cannot assign NEW in a trigger, so an AFTER UPDATE trigger corrects the row
whenever the statement did not itself set version = OLD.version + 1 (recursive
triggers are off, so the correcting UPDATE does not fire it again).
"""

from django.db import migrations

from gamebuddies.migration_ops import RunSQLByVendor

TABLES = ("rooms", "room_members")

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION gb_increment_version() RETURNS trigger AS $$
    BEGIN
      NEW.version := OLD.version + 1;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    *[
        f"CREATE TRIGGER {table}_version_trigger BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION gb_increment_version();"
        for table in TABLES
    ],
]
POSTGRES_BACKWARD = [
    *[f"DROP TRIGGER IF EXISTS {table}_version_trigger ON {table};" for table in TABLES],
    "DROP FUNCTION IF EXISTS gb_increment_version();",
]
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER {table}_version_trigger AFTER UPDATE ON {table}
    FOR EACH ROW WHEN NEW.version IS NOT OLD.version + 1
    BEGIN
      UPDATE {table} SET version = OLD.version + 1 WHERE id = NEW.id;
    END;
    """
    for table in TABLES
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_version_trigger;" for table in TABLES]


class Migration(migrations.Migration):
    dependencies = [("rooms", "0002_indexes")]

    operations = [
        RunSQLByVendor(
            forwards={"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD},
            backwards={"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD},
        )
    ]
