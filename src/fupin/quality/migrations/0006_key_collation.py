from django.db import migrations

from fupin.core.collation import code_collation


class Migration(migrations.Migration):
    """Problem keys compare as bytes on PostgreSQL (:mod:`fupin.core.collation`)."""

    dependencies = [("quality", "0005_run_fk_unindexed")]

    operations = [code_collation("quality", "Problem", "key")]
