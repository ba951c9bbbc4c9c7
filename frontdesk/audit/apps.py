from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "frontdesk.audit"
    label = "audit"
    verbose_name = "Audit trail"
