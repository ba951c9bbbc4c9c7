"""Invites, resets and codes are queued with the change that sends them: a change that rolls back
sends nothing, and with the database task backend the queued message commits with the change."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from frontdesk.accounts import services
from frontdesk.accounts.models import AccountToken
from frontdesk.audit.services import Actor


class Abort(Exception):
    pass


def test_it_sends_nothing_when_the_change_rolls_back(erin: Any, staff: Actor, deliver: Any) -> None:
    with deliver(), pytest.raises(Abort), transaction.atomic():
        services.send_invite(actor=staff, user=erin.user, channel="email")
        raise Abort

    assert mail.outbox == []
    assert not AccountToken.objects.exists()


def test_it_sends_once_the_change_commits(erin: Any, staff: Actor, deliver: Any) -> None:
    with deliver():
        services.send_invite(actor=staff, user=erin.user, channel="email")
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1


def test_it_queues_the_message_in_the_same_transaction_with_the_database_backend(
    erin: Any, staff: Actor, settings: Any, sms_outbox: list[Any]
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with pytest.raises(Abort), transaction.atomic():
        services.send_invite(actor=staff, user=erin.user, channel="sms")
        assert DBTaskResult.objects.count() == 1
        raise Abort
    assert not DBTaskResult.objects.exists()

    services.send_invite(actor=staff, user=erin.user, channel="sms")
    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "frontdesk.accounts.tasks.deliver_sms"
    assert queued.args_kwargs["kwargs"]["to"] == "+16175550102"
    assert sms_outbox == []  # a worker delivers it
