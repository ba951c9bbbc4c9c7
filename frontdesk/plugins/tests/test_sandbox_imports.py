"""What plugin code may import: Canvas's names (when frontdesk provides them), the stdlib and
third-party allow-list, and the plugin's own modules."""

from __future__ import annotations

import importlib.util
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from frontdesk.plugins.sandbox import LoadedPlugin, load_plugin

FIXTURES = Path(__file__).parent / "fixtures"


def write_plugin(root: Path, files: dict[str, str], name: str = "tmpplug") -> Path:
    directory = root / name
    directory.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return directory


def load_source(root: Path, source: str, **kwargs: Any) -> LoadedPlugin:
    """Load class H of a one-module plugin whose module is `source`."""
    directory = write_plugin(root, {"m.py": source})
    return load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"], **kwargs)


def load_error(root: Path, source: str, **kwargs: Any) -> str:
    errors = load_source(root, source, **kwargs).errors
    assert list(errors) == ["tmpplug.m:H"]
    return errors["tmpplug.m:H"].removeprefix("Error importing module 'tmpplug:tmpplug.m:H': ")


def run(root: Path, source: str, **kwargs: Any) -> Any:
    """Load `source` (a module defining class H with a go() method) and return H().go()."""
    loaded = load_source(root, source, **kwargs)
    assert loaded.errors == {}
    return loaded.handlers["tmpplug.m:H"]().go()  # type: ignore[attr-defined]


def fixture_refs(name: str) -> list[str]:
    manifest = json.loads((FIXTURES / name / "CANVAS_MANIFEST.json").read_text())
    return [item["class"] for item in manifest["components"]["handlers"]]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("import os", "'os' is not an allowed import."),
        ("import subprocess", "'subprocess' is not an allowed import."),
        ("from socket import socket", "'socket' is not an allowed import."),
        ("import sys", "'sys' is not an allowed import."),
        ("import importlib", "'importlib' is not an allowed import."),
        ("import pickle", "'pickle' is not an allowed import."),
        ("import math", "'math' is not an allowed import."),
        ("import email", "'email' is not an allowed import."),
        ("from email import *", "'email' is not an allowed import."),
        ("import urllib.request", "'urllib.request' is not an allowed import."),
        ("from json import JSONEncoder", "'JSONEncoder' is not an allowed import from 'json'."),
        ("from collections import namedtuple", "'namedtuple' is not an allowed import from 'collections'."),
        ("from functools import partial", "'partial' is not an allowed import from 'functools'."),
        ("from io import open", "'open' is not an allowed import from 'io'."),
        ("from typing import ForwardRef", "'ForwardRef' is not an allowed import from 'typing'."),
        ("from string import Formatter", "'Formatter' is not an allowed import from 'string'."),
        ("from re import _compile", "'_compile' is not an allowed import from 're'."),
        ("from uuid import os", "'os' is not an allowed import from 'uuid'."),
        ("from pydantic import ImportString", "'ImportString' is not an allowed import from 'pydantic'."),
        (
            "from django.utils.timezone import settings",
            "'settings' is not an allowed import from 'django.utils.timezone'.",
        ),
        ("from django.db import connection", "'django.db' is not an allowed import."),
        ("from django.db.models import RawSQL", "'RawSQL' is not an allowed import from 'django.db.models'."),
        (
            "from django.db.transaction import get_connection",
            "'get_connection' is not an allowed import from 'django.db.transaction'.",
        ),
        ("from xml.etree.ElementTree import parse", "'parse' is not an allowed import from 'xml.etree.ElementTree'."),
        ("import other_plugin.handlers", "'other_plugin.handlers' is not an allowed import."),
    ],
)
def test_it_refuses_modules_and_names_outside_the_allow_list(tmp_path: Path, statement: str, message: str) -> None:
    assert load_error(tmp_path, f"{statement}\n\nclass H:\n    pass\n") == f"ImportError: {message}"


def test_it_allows_the_listed_standard_and_third_party_modules(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        """
        from __future__ import annotations

        import base64
        import json
        import re
        import urllib.parse
        import uuid
        from collections import Counter, OrderedDict, defaultdict
        from dataclasses import dataclass
        from datetime import datetime, timedelta, timezone
        from decimal import Decimal
        from email.mime.text import MIMEText
        from enum import Enum, StrEnum
        from functools import reduce, wraps
        from hashlib import sha256
        from http import HTTPStatus
        from io import StringIO
        from operator import and_
        from statistics import median
        from traceback import format_exc
        from typing import Any, Optional
        from zoneinfo import ZoneInfo

        from django.core.exceptions import ValidationError
        from django.db.models import Q, F, Count, CharField
        from django.utils import timezone as django_timezone
        from pydantic import BaseModel


        class Color(StrEnum):
            RED = "red"


        class H:
            def go(self):
                start = datetime(2024, 1, 1, 9, tzinfo=ZoneInfo("America/New_York"))
                return [
                    json.dumps(Counter("aab")),
                    re.sub(r"\\d", "#", "a1"),
                    urllib.parse.quote("a b"),
                    len(str(uuid.uuid4())),
                    base64.b64encode(b"x").decode(),
                    (start + timedelta(hours=1)).astimezone(timezone.utc).hour,
                    str(Decimal("1.10") + Decimal("2")),
                    sha256(b"x").hexdigest()[:8],
                    HTTPStatus.OK.value,
                    median([3, 1, 2]),
                    reduce(lambda a, b: a + b, [1, 2, 3]),
                    Color.RED.value,
                    MIMEText("hi")["Content-Type"],
                    and_(6, 3),
                    django_timezone.is_aware(start),
                ]
        """,
    )

    assert result == [
        '{"a": 2, "b": 1}',
        "a#",
        "a%20b",
        36,
        "eA==",
        15,
        "3.10",
        "2d711642",
        200,
        2,
        6,
        "red",
        'text/plain; charset="us-ascii"',
        2,
        True,
    ]


@pytest.mark.skipif(importlib.util.find_spec("arrow") is not None, reason="arrow is installed here")
def test_it_says_when_an_allowed_module_is_not_installed(tmp_path: Path) -> None:
    assert load_error(tmp_path, "import arrow\n\nclass H:\n    pass\n") == (
        "ImportError: 'arrow' is allowed in plugins but not installed in frontdesk."
    )


def test_it_refuses_a_name_canvas_does_not_have(tmp_path: Path) -> None:
    loaded = load_plugin(
        FIXTURES / "not_canvas_name", name="not_canvas_name", handler_refs=fixture_refs("not_canvas_name")
    )

    assert loaded.errors == {
        "not_canvas_name.handlers.main:UsesFoo": (
            "Error importing module 'not_canvas_name:not_canvas_name.handlers.main:UsesFoo': "
            "ImportError: 'Foo' is not an allowed import from 'canvas_sdk.effects'."
        )
    }


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("import canvas_sdk", "'canvas_sdk' is not an allowed import."),
        ("from canvas_sdk.nowhere import Thing", "'canvas_sdk.nowhere' is not an allowed import."),
        ("from canvas_sdk.effects import *", "'*' is not an allowed import from 'canvas_sdk.effects'."),
        ("from logger import debug", "'debug' is not an allowed import from 'logger'."),
        ("from canvas_sdk.effects import _secret", "'_secret' is not an allowed import from 'canvas_sdk.effects'."),
    ],
)
def test_it_refuses_canvas_modules_and_names_outside_canvas_list(tmp_path: Path, statement: str, message: str) -> None:
    assert load_error(tmp_path, f"{statement}\n\nclass H:\n    pass\n") == f"ImportError: {message}"


@pytest.mark.parametrize("provided", [None, lambda module, name: False])
def test_it_names_a_canvas_name_frontdesk_does_not_provide_yet(provided: Any) -> None:
    loaded = load_plugin(
        FIXTURES / "missing_sdk_name",
        name="missing_sdk_name",
        handler_refs=fixture_refs("missing_sdk_name"),
        provided=provided,
    )

    assert loaded.errors == {
        "missing_sdk_name.handlers.main:UsesMissing": (
            "Error importing module 'missing_sdk_name:missing_sdk_name.handlers.main:UsesMissing': "
            "ImportError: 'Client' from 'canvas_sdk.clients.extend_ai.libraries' is part of the Canvas SDK "
            "but not provided by frontdesk yet."
        )
    }


def test_it_asks_whether_frontdesk_provides_each_canvas_name(tmp_path: Path) -> None:
    asked: list[tuple[str, str]] = []

    def provided(module: str, name: str) -> bool:
        asked.append((module, name))
        return name != "EffectType"

    message = load_error(
        tmp_path, "from canvas_sdk.effects import Effect, EffectType\n\nclass H:\n    pass\n", provided=provided
    )

    assert (
        message
        == "ImportError: 'EffectType' from 'canvas_sdk.effects' is part of the Canvas SDK but not provided by frontdesk yet."
    )
    assert asked == [
        ("canvas_sdk.effects", ""),
        ("canvas_sdk.effects", "Effect"),
        ("canvas_sdk.effects", "EffectType"),
    ]


def test_it_names_a_whole_canvas_module_frontdesk_does_not_provide(tmp_path: Path) -> None:
    message = load_error(
        tmp_path, "import canvas_sdk.utils.pdf\n\nclass H:\n    pass\n", provided=lambda module, name: False
    )

    assert message == "ImportError: 'canvas_sdk.utils.pdf' is part of the Canvas SDK but not provided by frontdesk yet."


def test_it_serves_canvas_names_from_frontdesk_sdk(tmp_path: Path) -> None:
    effects = pytest.importorskip("frontdesk.sdk.effects")
    base = pytest.importorskip("frontdesk.sdk.handlers.base")
    logger = pytest.importorskip("frontdesk.sdk.logger")

    result = run(
        tmp_path,
        """
        import canvas_sdk.handlers.base
        from canvas_sdk.effects import Effect
        from canvas_sdk.handlers import base
        from logger import log

        class H:
            def go(self):
                return Effect, canvas_sdk.handlers.base.BaseHandler, base.BaseHandler, log
        """,
    )

    assert result == (effects.Effect, base.BaseHandler, base.BaseHandler, logger.log)


def test_it_guards_names_reached_through_module_attributes(tmp_path: Path) -> None:
    directory = write_plugin(
        tmp_path,
        {
            "m.py": """
            import json
            import urllib.parse
            import uuid

            class H:
                @staticmethod
                def encoder():
                    return json.JSONEncoder

                @staticmethod
                def os_through_uuid():
                    return uuid.os

                @staticmethod
                def request_through_urllib():
                    return urllib.request

                @staticmethod
                def fine():
                    return json.dumps([urllib.parse.quote("a b")]), math.floor(2.5), sorted(vars(json))
            """
        },
    )
    handler: Any = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"]).handlers["tmpplug.m:H"]

    with pytest.raises(AttributeError, match=r"^'JSONEncoder' is not an allowed import from 'json'\.$"):
        handler.encoder()
    with pytest.raises(AttributeError, match=r"^'os' is not an allowed import\.$"):
        handler.os_through_uuid()
    with pytest.raises(AttributeError, match=r"^'urllib\.request' is not an allowed import\.$"):
        handler.request_through_urllib()
    assert handler.fine() == ('["a%20b"]', 2, ["JSONDecodeError", "dump", "dumps", "load", "loads"])


def test_it_star_imports_only_the_allowed_names(tmp_path: Path) -> None:
    directory = write_plugin(
        tmp_path, {"m.py": "from json import *\n\nclass H:\n    def go(self):\n        return dumps([1])\n"}
    )
    handler: Any = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.m:H"]).handlers["tmpplug.m:H"]

    module_globals = handler.go.__globals__
    assert {"dumps", "loads", "dump", "load", "JSONDecodeError"} <= set(module_globals)
    assert "JSONEncoder" not in module_globals
    assert handler().go() == "[1]"


def test_it_imports_the_plugins_own_modules_relatively_and_absolutely(tmp_path: Path) -> None:
    directory = write_plugin(
        tmp_path,
        {
            "__init__.py": "ROOT = 'root'\n",
            "handlers/__init__.py": "",
            "handlers/m.py": """
                import tmpplug.shared.deep as deep_alias
                from tmpplug import ROOT
                from . import sibling
                from ..shared.deep import VALUE
                from ..namespace_only.leaf import LEAF
                from .sibling import *

                class H:
                    def go(self):
                        return ROOT, sibling.NAME, VALUE, deep_alias.VALUE, LEAF, EXPORTED
            """,
            "handlers/sibling.py": "NAME = 'sibling'\nEXPORTED = 'star'\n_HIDDEN = 'hidden'\n",
            "shared/__init__.py": "",
            "shared/deep.py": "VALUE = 'deep'\n",
            "namespace_only/leaf.py": "LEAF = 'leaf'\n",
        },
    )

    loaded = load_plugin(directory, name="tmpplug", handler_refs=["tmpplug.handlers.m:H"])

    assert loaded.errors == {}
    assert loaded.handlers["tmpplug.handlers.m:H"]().go() == ("root", "sibling", "deep", "deep", "leaf", "star")  # type: ignore[attr-defined]


def test_it_refuses_a_relative_import_beyond_the_plugin(tmp_path: Path) -> None:
    assert load_error(tmp_path, "from .. import elsewhere\n\nclass H:\n    pass\n") == (
        "ImportError: attempted relative import beyond top-level package"
    )
