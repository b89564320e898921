"""On PostgreSQL, the database itself refuses two overlapping visits of one employee
(the service checks first, under a lock on the employee, with a clear message; this is
the second guard). A visit occupies [date + start, date + start + duration); cancelled
visits occupy nothing. btree_gist was created by the clients app's migration."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE teams_visit ADD CONSTRAINT visits_of_an_employee_do_not_overlap
    EXCLUDE USING gist (
        employee_id WITH =,
        tsrange(date + start, date + start + duration_minutes * interval '1 minute', '[)') WITH &&
    ) WHERE (status <> 'cancelled');
"""
DROP = "ALTER TABLE teams_visit DROP CONSTRAINT IF EXISTS visits_of_an_employee_do_not_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
