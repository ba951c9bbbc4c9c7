"""The outbox: domain events written in the same transaction as the change they describe.

Owns `OutboxEvent`. Services call `events.services.record_event`; the events worker
(`frontdesk events_worker`, started by `frontdesk serve`) claims rows and hands each to every
registered consumer (plugins and webhooks register in their AppConfig.ready). Delivery is
at-least-once per consumer: a worker killed mid-event loses its lease and another takes over.
"""
