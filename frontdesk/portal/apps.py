from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "frontdesk.portal"
    label = "portal"
    verbose_name = "Patient portal"
