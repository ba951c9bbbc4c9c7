"""Scheduling: note types (the appointment types patients and staff book), reasons for visit,
provider availability (recurring windows, exceptions, iCalendar feeds), the pure slot engine
(`slots.py`), and appointments with the identifiers other systems give them.

Emits APPOINTMENT_CREATED, APPOINTMENT_UPDATED, APPOINTMENT_CANCELED, APPOINTMENT_RESCHEDULED,
APPOINTMENT_CHECKED_IN, APPOINTMENT_NO_SHOWED, APPOINTMENT_RESTORED and the portal's
PATIENT_PORTAL__APPOINTMENT_CANCELED and PATIENT_PORTAL__APPOINTMENT_RESCHEDULED.
"""
