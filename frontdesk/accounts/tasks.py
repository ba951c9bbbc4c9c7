"""Background delivery of account messages (invites, reset links, verification codes).

`queue_email` / `queue_sms` are called inside a service's transaction. With the database task
backend the task row commits with the change (a rolled-back change sends nothing, a committed one
is never lost); with other backends the task is enqueued once the transaction commits.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django_tasks import task

from frontdesk.lib.sms import send_sms


@task()
def deliver_email(*, to: str, subject: str, body: str) -> int:
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)


@task()
def deliver_sms(*, to: str, body: str) -> str:
    return send_sms(to=to, body=body)


def _transactional_backend() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db.")


def _enqueue(task_obj: object, **kwargs: str) -> None:
    if _transactional_backend():
        task_obj.enqueue(**kwargs)  # type: ignore[attr-defined]
    else:
        transaction.on_commit(partial(task_obj.enqueue, **kwargs))  # type: ignore[attr-defined]


def queue_email(*, to: str, subject: str, body: str) -> None:
    _enqueue(deliver_email, to=to, subject=subject, body=body)


def queue_sms(*, to: str, body: str) -> None:
    _enqueue(deliver_sms, to=to, body=body)
