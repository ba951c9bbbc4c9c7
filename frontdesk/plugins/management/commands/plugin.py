"""`frontdesk plugin install|list|enable|disable|uninstall|logs|set`: manage plugins from a shell."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.audit.services import Actor
from frontdesk.plugins import services
from frontdesk.plugins.logs import read_log
from frontdesk.plugins.models import Plugin


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{flag} {item!r}: expected KEY=VALUE")
        pairs[key.strip()] = value
    return pairs


class Command(BaseCommand):
    help = "Install, list, enable, disable, configure and uninstall plugins, and read their logs."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        install = sub.add_parser("install", help="Install or update a plugin from a directory or a .tar.gz.")
        install.add_argument("path", type=Path)
        install.add_argument(
            "--secret", action="append", default=[], metavar="KEY=VALUE", help="A declared secret (repeatable)."
        )
        install.add_argument(
            "--variable", action="append", default=[], metavar="KEY=VALUE", help="A declared variable (repeatable)."
        )
        state = install.add_mutually_exclusive_group()
        state.add_argument("--enable", dest="enable", action="store_const", const=True, default=None)
        state.add_argument("--disable", dest="enable", action="store_const", const=False)
        sub.add_parser("list", help="List installed plugins.").add_argument("--json", action="store_true")
        for name in ("enable", "disable", "uninstall"):
            sub.add_parser(name, help=f"{name.capitalize()} a plugin.").add_argument("name")
        setter = sub.add_parser("set", help="Set declared variables or secrets of an installed plugin.")
        setter.add_argument("name")
        setter.add_argument("values", nargs="+", metavar="KEY=VALUE")
        logs = sub.add_parser("logs", help="Show a plugin's log (newest last).")
        logs.add_argument("name")
        logs.add_argument("--lines", type=int, default=50)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        actor = Actor.system(f"cli:{getpass.getuser()}")
        try:
            getattr(self, f"do_{action}")(actor, **options)
        except services.PluginInstallError as exc:
            raise CommandError("\n".join(["cannot do that:", *(f"  - {p}" for p in exc.problems)])) from None

    def do_install(
        self, actor: Actor, *, path: Path, secret: list[str], variable: list[str], enable: bool | None, **_: Any
    ) -> None:
        values = _pairs(variable, "--variable") | _pairs(secret, "--secret")
        plugin = services.install_plugin(actor=actor, source=path, secrets=values, enable=enable)
        state = "enabled" if plugin.is_enabled else "disabled"
        self.stdout.write(
            f"installed {plugin.name}@{plugin.version} ({state}); handles {', '.join(plugin.responds_to) or 'no events'}"
        )

    def do_list(self, actor: Actor, *, json: bool = False, **_: Any) -> None:
        rows = list(Plugin.objects.all())
        if json:
            self.stdout.write(
                _dumps(
                    [
                        {"name": p.name, "version": p.version, "is_enabled": p.is_enabled, "responds_to": p.responds_to}
                        for p in rows
                    ]
                )
            )
            return
        if not rows:
            self.stdout.write("no plugins installed")
        for plugin in rows:
            self.stdout.write(f"{plugin.name}@{plugin.version}\t{'enabled' if plugin.is_enabled else 'disabled'}")

    def do_enable(self, actor: Actor, *, name: str, **_: Any) -> None:
        services.set_plugin_enabled(actor=actor, name=name, enabled=True)
        self.stdout.write(f"{name} enabled")

    def do_disable(self, actor: Actor, *, name: str, **_: Any) -> None:
        services.set_plugin_enabled(actor=actor, name=name, enabled=False)
        self.stdout.write(f"{name} disabled")

    def do_uninstall(self, actor: Actor, *, name: str, **_: Any) -> None:
        services.uninstall_plugin(actor=actor, name=name)
        self.stdout.write(f"{name} uninstalled")

    def do_set(self, actor: Actor, *, name: str, values: list[str], **_: Any) -> None:
        services.set_plugin_secrets(actor=actor, name=name, values=_pairs(values, "value"))
        self.stdout.write(f"{name}: set {', '.join(sorted(_pairs(values, 'value')))}")

    def do_logs(self, actor: Actor, *, name: str, lines: int, **_: Any) -> None:
        if not Plugin.objects.filter(name=name).exists() and not read_log(name, lines=1):
            raise CommandError(f"no plugin named {name!r} is installed")
        for record in read_log(name, lines=lines):
            where = " ".join(x for x in (record.get("event"), record.get("handler")) if x)
            self.stdout.write(f"{record['at']} {record['level']:<7} {where}: {record['message']}")


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=2)
