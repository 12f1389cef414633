from django.db import migrations

from fupin.core.collation import code_collation


class Migration(migrations.Migration):
    """Change-log object ids compare as bytes on PostgreSQL (:mod:`fupin.core.collation`)."""

    dependencies = [("core", "0002_fewer_indexes")]

    operations = [code_collation("core", "ObjectChange", "object_id")]
