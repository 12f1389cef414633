"""Code columns compare as bytes on PostgreSQL (fupin.core.collation)."""

from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.db import connection

from fupin.core.collation import code_collation

CODE_COLUMNS = [("registry_household", "number"), ("registry_member", "id_number"), ("quality_problem", "key"),
                ("core_objectchange", "object_id")]


def _collation(table: str, column: str) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation "
                    "WHERE a.attrelid = %s::regclass AND a.attname = %s", [f'"{table}"', column])
        return cur.fetchone()[0]


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column"), CODE_COLUMNS)
def test_the_migrations_give_code_columns_the_c_collation(table, column):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite compares bytes already")
    assert _collation(table, column) == "C"


@pytest.mark.django_db
def test_the_operation_applies_and_unapplies():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    op = code_collation("registry", "Household", "number")
    with connection.schema_editor() as editor:  # DDL inside the test's transaction: rolled back after it
        op.reverse_code(django_apps, editor)
    assert _collation("registry_household", "number") == "default"
    with connection.schema_editor() as editor:
        op.code(django_apps, editor)
    assert _collation("registry_household", "number") == "C"


def test_the_operation_does_nothing_on_sqlite():
    executed = []
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"), execute=executed.append)
    op = code_collation("registry", "Household", "number")
    op.code(django_apps, editor)
    op.reverse_code(django_apps, editor)
    assert executed == []
