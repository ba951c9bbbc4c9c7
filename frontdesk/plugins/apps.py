from django.apps import AppConfig


class PluginsConfig(AppConfig):
    name = "frontdesk.plugins"
    label = "plugins"
    verbose_name = "Plugins"

    def ready(self) -> None:
        from frontdesk.events.services import register_consumer
        from frontdesk.plugins import appliers, logs

        logs.install_handler()
        register_consumer("plugins", appliers.consume)
