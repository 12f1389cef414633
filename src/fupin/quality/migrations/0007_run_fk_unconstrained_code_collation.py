import django.db.models.deletion
from django.db import migrations, models

from fupin.core.collation import code_collation


class Migration(migrations.Migration):
    """A problem's first and last run without a foreign-key constraint in the database (Django still sets them to
    NULL when a run is deleted); rule code and status compare as bytes on PostgreSQL
    (:mod:`fupin.core.collation`). Both make the first run's rebuild of the problem list's indexes and checks
    cheaper."""

    dependencies = [("quality", "0006_key_collation")]

    operations = [
        migrations.AlterField(
            model_name="problem",
            name="first_run",
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to="quality.run"),
        ),
        migrations.AlterField(
            model_name="problem",
            name="last_run",
            field=models.ForeignKey(db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to="quality.run"),
        ),
        code_collation("quality", "Problem", "rule_code"),
        code_collation("quality", "Problem", "status"),
    ]
