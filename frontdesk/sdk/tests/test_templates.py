"""render_to_string: templates of the calling plugin only, autoescaped, with sanitize_html."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from frontdesk.sdk.templates import render_to_string


@pytest.fixture
def plugin_dir(tmp_path: Path) -> Path:
    root = tmp_path / "my_plugin"
    (root / "templates").mkdir(parents=True)
    (root / "templates" / "card.html").write_text("<p>{{ name }}</p>{{ bio|sanitize_html }}")
    (root / "templates" / "page.html").write_text('{% include "templates/card.html" %}!')
    (tmp_path / "secret.html").write_text("SECRET")
    return root


def test_it_renders_a_plugin_template_with_autoescape_and_sanitize_html(plugin_dir: Path) -> None:
    html = render_to_string(
        "templates/card.html",
        {"name": "<b>Al</b>", "bio": '<em>hi</em><script>alert(1)</script><a href="javascript:x">y</a>'},
        plugin_dir=str(plugin_dir),
    )
    assert html == '<p>&lt;b&gt;Al&lt;/b&gt;</p><em>hi</em><a rel="noopener noreferrer nofollow">y</a>'


def test_it_renders_includes_from_the_plugin(plugin_dir: Path) -> None:
    assert render_to_string("templates/page.html", {"name": "x"}, plugin_dir=str(plugin_dir)) == "<p>x</p>!"


@pytest.mark.parametrize("name", ["../secret.html", "templates/../../secret.html", "/etc/passwd"])
def test_it_refuses_templates_outside_the_plugin(plugin_dir: Path, name: str) -> None:
    with pytest.raises(PermissionError, match="^" + re.escape(f"Invalid template '{name}'") + "$"):
        render_to_string(name, plugin_dir=str(plugin_dir))


def test_it_refuses_a_symlink_out_of_the_plugin(plugin_dir: Path) -> None:
    os.symlink(plugin_dir.parent / "secret.html", plugin_dir / "templates" / "link.html")
    with pytest.raises(PermissionError, match=re.escape("Invalid template 'templates/link.html'")):
        render_to_string("templates/link.html", plugin_dir=str(plugin_dir))


@pytest.mark.parametrize("include", ["../secret.html", "templates/link.html"])
def test_it_refuses_includes_outside_the_plugin(plugin_dir: Path, include: str) -> None:
    from django.template import TemplateDoesNotExist

    os.symlink(plugin_dir.parent / "secret.html", plugin_dir / "templates" / "link.html")
    (plugin_dir / "templates" / "escape.html").write_text(f'{{% include "{include}" %}}')
    with pytest.raises(TemplateDoesNotExist):
        render_to_string("templates/escape.html", plugin_dir=str(plugin_dir))


def test_it_reports_a_missing_template(plugin_dir: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"^{re.escape('Template templates/nope.html not found.')}$"):
        render_to_string("templates/nope.html", plugin_dir=str(plugin_dir))


def test_it_finds_the_plugin_directory_from_the_calling_plugin_module(plugin_dir: Path) -> None:
    # What the sandbox does: plugin modules carry __is_plugin__ and __plugin_dir__.
    plugin_globals: dict[str, Any] = {
        "__is_plugin__": True,
        "__plugin_dir__": str(plugin_dir),
        "render_to_string": render_to_string,
    }
    code = compile(
        'def page():\n    return render_to_string("templates/card.html", {"name": "Al"})\n', "plugin", "exec"
    )
    exec(code, plugin_globals)  # noqa: S102 (stands in for the sandbox loading plugin code)
    assert plugin_globals["page"]() == "<p>Al</p>"


def test_it_needs_a_plugin_outside_plugin_code() -> None:
    with pytest.raises(RuntimeError, match="not called from plugin code"):
        render_to_string("templates/card.html")


def _render(plugin_dir: Path, source: str, context: dict[str, Any]) -> str:
    (plugin_dir / "templates" / "probe.html").write_text(source)
    return render_to_string("templates/probe.html", context, plugin_dir=str(plugin_dir))


@pytest.mark.django_db
def test_templates_see_records_but_not_credentials(plugin_dir: Path, alice: Any) -> None:
    from frontdesk.sdk.v1.data import Patient

    patient = Patient.objects.get(pk=alice.pk)
    out = _render(
        plugin_dir,
        "{{ p.first_name }}|{{ p.user.email }}|{{ p.user.password }}|{% for cp in p.telecom.all %}x{% endfor %}|{{ p.delete }}",
        {"p": patient},
    )

    assert out == "Alice|alice@example.com|||"
    alice.refresh_from_db()  # still there: delete() is never called from a template


@pytest.mark.parametrize("value", [os, Path, print, re.compile])
def test_templates_get_no_modules_classes_or_functions(plugin_dir: Path, value: Any) -> None:
    with pytest.raises(TypeError, match="context values must be data"):
        _render(plugin_dir, "{{ v }}", {"v": value})


def test_templates_cannot_walk_from_an_object_to_modules(plugin_dir: Path) -> None:
    import json

    holder = type("Holder", (), {"codec": json.codecs, "name": "h"})()

    assert _render(plugin_dir, "{{ h.name }}|{{ h.codec.sys.modules }}", {"h": holder}) == "h|"
