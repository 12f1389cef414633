from django.db import migrations

from fupin.core.collation import code_collation


class Migration(migrations.Migration):
    """Household numbers and ID numbers compare as bytes on PostgreSQL (:mod:`fupin.core.collation`)."""

    dependencies = [("registry", "0004_income_digests")]

    operations = [
        code_collation("registry", "Household", "number"),
        code_collation("registry", "Member", "id_number"),
    ]
