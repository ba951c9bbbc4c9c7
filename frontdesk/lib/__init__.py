"""Framework-light helpers shared by every app: env parsing, phone numbers, HTML sanitising,
outbound email/SMS backends and an HTTP client with timeouts and a private-address guard.

Nothing here defines models or imports a frontdesk app (an import-linter contract keeps it so).
"""
