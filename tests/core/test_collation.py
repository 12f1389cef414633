"""Code columns compare as bytes on PostgreSQL (fupin.core.collation)."""

from types import SimpleNamespace

import pytest
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
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE collation_probe (code varchar(12))")
        cur.execute("INSERT INTO collation_probe VALUES ('45010200'), ('4501020')")
    op = code_collation("collation_probe", "code", "varchar(12)")
    with connection.schema_editor() as editor:
        op.code(None, editor)
    assert _collation("collation_probe", "code") == "C"
    with connection.schema_editor() as editor:
        op.reverse_code(None, editor)
    assert _collation("collation_probe", "code") == "default"
    with connection.cursor() as cur:
        cur.execute("SELECT code FROM collation_probe ORDER BY code")
        assert [r[0] for r in cur.fetchall()] == ["4501020", "45010200"]  # the values are untouched


def test_the_operation_does_nothing_on_sqlite():
    executed = []
    editor = SimpleNamespace(connection=SimpleNamespace(vendor="sqlite"), execute=executed.append)
    op = code_collation("collation_probe", "code", "varchar(12)")
    op.code(None, editor)
    op.reverse_code(None, editor)
    assert executed == []
    editor.connection.vendor = "postgresql"
    op.code(None, editor)
    assert executed == ['ALTER TABLE "collation_probe" ALTER COLUMN "code" TYPE varchar(12) COLLATE "C"']
