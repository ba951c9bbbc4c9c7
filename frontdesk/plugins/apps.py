from django.apps import AppConfig


class PluginsConfig(AppConfig):
    name = "frontdesk.plugins"
    label = "plugins"
    verbose_name = "Plugins"
