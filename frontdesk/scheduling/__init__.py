"""Scheduling: note types (the appointment types patients and staff book) and appointments.

This foundation holds the Canvas-shaped models; availability, the slot engine (`slots.py`) and
the booking services arrive with the scheduling issue. Emits no events yet.
"""
