"""The clinic's people and chart: patients, contact points, staff, locations, care teams,
conditions, medications and allergies, under Canvas's model and field names so plugins read them
unchanged.

Emits PATIENT_CREATED, PATIENT_UPDATED, PATIENT_CONTACT_POINT_CREATED/UPDATED/DELETED,
PATIENT_ADDRESS_CREATED/UPDATED/DELETED, PATIENT_/STAFF_EXTERNAL_IDENTIFIER_CREATED/UPDATED,
CARE_TEAM_MEMBERSHIP_CREATED/UPDATED/DELETED, STAFF_CREATED/UPDATED/ACTIVATED/DEACTIVATED.
Patient-facing code reaches this data only through `clinic.access`.
"""
