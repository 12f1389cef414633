"""The batch writer's transaction settings."""

from __future__ import annotations

import pytest
from django.db import connection

from fupin.batch.bulkload import Writer


@pytest.mark.django_db(transaction=True)
def test_batch_memory_is_set_for_the_transaction_only(settings):
    settings.FUPIN_PG_BATCH_MEMORY = "64MB"
    with Writer() as w:
        w.batch_memory()
        if w.vendor == "postgresql":
            assert w.scalar("SHOW work_mem") == "64MB" and w.scalar("SHOW maintenance_work_mem") == "64MB"
            assert w.scalar("SHOW jit") == "off"
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SHOW work_mem")
            assert c.fetchone()[0] != "64MB"  # SET LOCAL: gone with the transaction


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", ["abc", "256", "-1MB", "256MB; DROP TABLE x"])
def test_batch_memory_refuses_a_size_that_is_not_one(settings, size):
    settings.FUPIN_PG_BATCH_MEMORY = size
    with Writer() as w, pytest.raises(ValueError, match="FUPIN_PG_BATCH_MEMORY"):
        w.batch_memory()
