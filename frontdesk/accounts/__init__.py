"""Users and portal accounts: sign-in, invites, activation, password reset, sessions, and
contact point verification codes.

Owns `CanvasUser` (the AUTH_USER_MODEL, Canvas's name and `dbid`), `AccountToken` (single-use
invite and reset links) and `LoginFailure` (throttling). Emits PATIENT_CONTACT_POINT_UPDATED when
a verification code is confirmed (through `clinic.services`). `access.py` is how patient-facing
views reach the signed-in patient and their contact points.
"""
