"""The local outbox: email and SMS written as files staff can list and read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMessage, get_connection

from frontdesk.lib import outbox
from frontdesk.lib.sms import OutboxSmsBackend, Sms


def _send_email(to: str, subject: str, body: str) -> None:
    connection = get_connection("frontdesk.lib.mail.OutboxEmailBackend")
    assert EmailMessage(subject, body, "desk@example.com", [to], connection=connection).send() == 1


def test_it_writes_email_and_sms_that_read_back_newest_first(settings: Any) -> None:
    _send_email("alice@example.com", "Your invitation", "Open http://testserver/accounts/activate/abc/")
    name = OutboxSmsBackend().send(Sms(to="+16175550101", body="Code 123456"))

    items = outbox.list_items()

    assert [(i.kind, i.to) for i in items] == [("sms", "+16175550101"), ("email", "alice@example.com")]
    assert items[0].name == name and items[0].body == "Code 123456" and items[0].subject == ""
    assert items[1].subject == "Your invitation"
    assert "http://testserver/accounts/activate/abc/" in items[1].body
    assert all(p.parent == Path(settings.OUTBOX_DIR) for p in Path(settings.OUTBOX_DIR).iterdir())


def test_it_gets_one_message_by_its_file_name() -> None:
    _send_email("alice@example.com", "Hello", "Body text")
    [item] = outbox.list_items()
    assert outbox.get_item(item.name) == item


def test_it_lists_at_most_the_limit_newest_first() -> None:
    for n in range(3):
        OutboxSmsBackend().send(Sms(to="+16175550101", body=f"message {n}"))

    assert [i.body for i in outbox.list_items(limit=2)] == ["message 2", "message 1"]


def test_it_skips_files_that_are_not_messages(settings: Any) -> None:
    for n in range(3):
        OutboxSmsBackend().send(Sms(to="+16175550101", body=f"message {n}"))
    directory = Path(settings.OUTBOX_DIR)
    (directory / "notes.txt").write_text("not a message")
    (directory / "20990101T000000000000Z-sms-broken.json").write_text('{"body": "no recipient"}')
    (directory / ".20990101T000000000000Z-sms-temp.json.tmp").write_text("{}")

    assert [i.body for i in outbox.list_items()] == ["message 2", "message 1", "message 0"]


def test_it_fills_the_limit_with_messages_even_when_other_files_sort_first(settings: Any) -> None:
    for n in range(3):
        OutboxSmsBackend().send(Sms(to="+16175550101", body=f"message {n}"))
    (Path(settings.OUTBOX_DIR) / "notes.txt").write_text("not a message")

    assert [i.body for i in outbox.list_items(limit=2)] == ["message 2", "message 1"]


@pytest.mark.parametrize(
    "name", ["", ".hidden", "..", "../../etc/passwd", "a/b", "20990101T000000000000Z-sms-none.json"]
)
def test_it_refuses_names_that_are_not_outbox_files(name: str) -> None:
    OutboxSmsBackend().send(Sms(to="+16175550101", body="x"))
    with pytest.raises(FileNotFoundError):
        outbox.get_item(name)


def test_it_refuses_a_file_that_is_not_a_message(settings: Any) -> None:
    directory = outbox.outbox_dir()
    (directory / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="not"):
        outbox.get_item("notes.txt")
    assert directory == Path(settings.OUTBOX_DIR)
