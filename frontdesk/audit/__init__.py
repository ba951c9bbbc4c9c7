"""The append-only audit trail: who did what to which patient's data, and who looked at it.

Owns `AuditEntry`. Every service that changes patient data and every view of a patient's chart
calls `audit.services.record`. Rows are never updated (a database trigger refuses it) and never
deleted through the application. Emits no events.
"""
