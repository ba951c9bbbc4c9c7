"""The patient-facing portal: the shell (layout and navigation for the enabled sections), the
landing page, My Health, appointments (list, cancel, self-scheduling, reschedule) and the account
page. Owns no models and emits no events; it reads through the apps' `access.py` and writes
through their services.
"""
