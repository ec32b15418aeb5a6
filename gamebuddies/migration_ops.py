"""Migration operations that do the right thing on PostgreSQL and on SQLite.

Indexes are built with CREATE INDEX CONCURRENTLY on PostgreSQL so that adding one to
a live table never blocks lobby writes; SQLite has no such thing and gets a plain
CREATE INDEX. Migrations using these must set `atomic = False`.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrentlyOnPostgres(RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RunSQLByVendor(migrations.RunPython):
    """Vendor-specific DDL (triggers): {"postgresql": [...], "sqlite": [...]} forwards and backwards."""

    def __init__(self, forwards: dict[str, list[str]], backwards: dict[str, list[str]]):
        def run(statements_by_vendor):
            def apply(apps, schema_editor):
                for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
                    schema_editor.execute(statement)

            return apply

        super().__init__(run(forwards), run(backwards))
