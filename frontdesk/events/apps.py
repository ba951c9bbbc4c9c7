from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "frontdesk.events"
    label = "events"
    verbose_name = "Event outbox"
