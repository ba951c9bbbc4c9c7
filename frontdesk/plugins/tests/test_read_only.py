"""Plugin code reads through the ORM but can never write: the runner's database connection
refuses every write, whatever the sandbox lets through."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from frontdesk.clinic.models import Patient
from frontdesk.plugins import client
from frontdesk.plugins.logs import read_log

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = {
    "update": "Patient.objects.filter(id=self.target).update(first_name='Mallory')",
    "save": "p = Patient.objects.get(id=self.target)\n        p.first_name = 'Mallory'\n        p.save()",
    "create": "Patient.objects.create(first_name='Eve', last_name='X', birth_date='1990-01-01')",
    "delete": "Patient.objects.filter(id=self.target).delete()",
}


@pytest.mark.parametrize("code", WRITES.values(), ids=WRITES.keys())
def test_a_plugin_cannot_write(runner: Any, install: Any, alice: Any, tmp_path: Path, code: str) -> None:
    package = tmp_path / "writer"
    (package / "handlers").mkdir(parents=True)
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "main.py").write_text(
        "from canvas_sdk.handlers.base import BaseHandler\n"
        "from canvas_sdk.v1.data import Patient\n\n\n"
        "class Writer(BaseHandler):\n"
        "    RESPONDS_TO = 'PATIENT_PORTAL__WIDGET_CONFIGURATION'\n\n"
        "    def compute(self):\n"
        f"        {code}\n"
        "        return []\n"
    )
    (package / "CANVAS_MANIFEST.json").write_text(json.dumps({
        "sdk_version": "0.1.4", "plugin_version": "1.0.0", "name": "writer", "description": "tries to write",
        "components": {"handlers": [{"class": "writer.handlers.main:Writer", "description": "writes"}]},
        "tags": {}, "license": "MIT", "readme": "./README.md",
    }))  # fmt: skip
    install(package)

    client.ask_or_raise(
        [client.EventSpec(name="PATIENT_PORTAL__WIDGET_CONFIGURATION", target=alice.id, target_type="Patient")],
        timeout=5,
    )

    assert list(Patient.objects.values_list("first_name", flat=True)) == ["Alice"]
    [failure] = [r["message"] for r in read_log("writer") if "handler failed" in r["message"]]
    # The database refused it (SQLite: "readonly database"; PostgreSQL: "read-only transaction"),
    # or for an attribute assignment the sandbox did first.
    assert re.search(r"read-?only|Forbidden assignment", failure), failure
