"""On PostgreSQL, the database itself refuses overlapping VPT indications of one client
(the service checks first, with a clear message; this is the second guard, also against
two concurrent requests). btree_gist is a trusted extension: the database owner may
create it."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE clients_wlzindication ADD CONSTRAINT vpt_indications_do_not_overlap
    EXCLUDE USING gist (
        client_id WITH =,
        daterange(valid_from, valid_to, '[]') WITH &&
    ) WHERE (leveringsvorm = '5');
"""
DROP = "ALTER TABLE clients_wlzindication DROP CONSTRAINT IF EXISTS vpt_indications_do_not_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
