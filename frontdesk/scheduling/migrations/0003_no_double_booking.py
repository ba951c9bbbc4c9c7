"""A provider can never be double-booked: on PostgreSQL an exclusion constraint refuses two live
appointments of one provider whose times overlap. (SQLite has no such constraint; there the
booking service's check runs inside a write-locked IMMEDIATE transaction, which serialises it.)

`timestamptz + interval` is STABLE (a day or month length depends on the time zone), so it cannot
appear in an index; adding minutes never does, which is why the wrapper may say IMMUTABLE.
"""

from django.db import migrations

UP = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE OR REPLACE FUNCTION frontdesk_appointment_span(start_time timestamptz, minutes integer)
    RETURNS tstzrange LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT tstzrange(start_time, start_time + make_interval(mins => minutes), '[)') $$;
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_overlap EXCLUDE USING gist (
    provider_id WITH =,
    frontdesk_appointment_span(start_time, duration_minutes) WITH &&
) WHERE (provider_id IS NOT NULL AND status <> 'cancelled' AND entered_in_error_id IS NULL);
"""
DOWN = """
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_overlap;
DROP FUNCTION IF EXISTS frontdesk_appointment_span(timestamptz, integer);
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DOWN)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_booking_policy_availability_calendars")]
    operations = [migrations.RunPython(up, down)]
