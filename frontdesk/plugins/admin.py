"""Back office for plugins: list, install or update from a .tar.gz, enable, disable, set
variables and secrets (names shown, values never), uninstall, and read the log. Every action goes
through `plugins.services`."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from frontdesk.audit.admin import actor_for
from frontdesk.plugins import services
from frontdesk.plugins.logs import read_log
from frontdesk.plugins.models import Plugin


def _pairs(text: str) -> dict[str, str]:
    pairs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(f"Line {number}: write KEY=VALUE.")
        pairs[key.strip()] = value.strip()
    return pairs


class InstallForm(forms.Form):
    package = forms.FileField(help_text="The plugin as a .tar.gz (its directory, with CANVAS_MANIFEST.json inside).")
    values = forms.CharField(
        label="Variables and secrets",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One KEY=VALUE per line; only names the manifest declares.",
    )
    enable = forms.BooleanField(required=False, initial=True, label="Enable after installing")

    def clean_values(self) -> dict[str, str]:
        return _pairs(self.cleaned_data.get("values") or "")


class ValuesForm(forms.Form):
    values = forms.CharField(
        label="Variables and secrets", widget=forms.Textarea(attrs={"rows": 4}), help_text="One KEY=VALUE per line."
    )

    def clean_values(self) -> dict[str, str]:
        return _pairs(self.cleaned_data["values"])


@admin.register(Plugin)
class PluginAdmin(admin.ModelAdmin):
    list_display = ("name", "version", "is_enabled", "events", "updated_at")
    list_filter = ("is_enabled",)
    search_fields = ("name", "description")
    actions = ["enable", "disable"]
    change_form_template = "plugins/admin/plugin_detail.html"
    change_list_template = "plugins/admin/plugin_list.html"
    fields = (
        "name",
        "version",
        "is_enabled",
        "description",
        "handlers",
        "responds_to",
        "secret_names",
        "installed_at",
        "updated_at",
        "package_dir",
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields

    @admin.display(description="Events")
    def events(self, obj: Plugin) -> str:
        return ", ".join(obj.responds_to)

    @admin.display(description="Variables and secrets set")
    def secret_names(self, obj: Plugin) -> str:
        return format_html_join(", ", "{}", ((name,) for name in sorted(obj.secrets))) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # installing goes through the install page

    def save_model(self, request: HttpRequest, obj: Plugin, form: Any, change: bool) -> None:
        raise PermissionDenied("Plugins change through install, enable/disable, values and uninstall.")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # uninstalling goes through the service

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("install/", wrap(self.install_view), name="plugins_plugin_install"),
            path("<int:pk>/values/", wrap(self.values_view), name="plugins_plugin_values"),
            path("<int:pk>/uninstall/", wrap(self.uninstall_view), name="plugins_plugin_uninstall"),
            *super().get_urls(),
        ]

    def _require_change(self, request: HttpRequest) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied

    def install_view(self, request: HttpRequest) -> HttpResponse:
        self._require_change(request)
        form = InstallForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            with tempfile.TemporaryDirectory() as scratch:
                upload = form.cleaned_data["package"]
                archive = Path(scratch) / "package.tar.gz"
                with open(archive, "wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                try:
                    plugin = services.install_plugin(
                        actor=actor_for(request),
                        source=archive,
                        secrets=form.cleaned_data["values"],
                        enable=form.cleaned_data["enable"],
                    )
                except services.PluginInstallError as exc:
                    for problem in exc.problems:
                        form.add_error(None, problem)
                else:
                    messages.success(
                        request, f"Installed {plugin}. It answers {', '.join(plugin.responds_to) or 'no events'}."
                    )
                    return HttpResponseRedirect(reverse("admin:plugins_plugin_change", args=[plugin.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Install a plugin",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "plugins/admin/install.html", context)

    def values_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require_change(request)
        plugin = get_object_or_404(Plugin, pk=pk)
        form = ValuesForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.set_plugin_secrets(
                    actor=actor_for(request), name=plugin.name, values=form.cleaned_data["values"]
                )
            except services.PluginInstallError as exc:
                for problem in exc.problems:
                    messages.error(request, problem)
            else:
                messages.success(request, "Saved.")
        elif request.method == "POST":
            for error in form.errors.get("values", []):
                messages.error(request, str(error))
        return HttpResponseRedirect(reverse("admin:plugins_plugin_change", args=[plugin.pk]))

    def uninstall_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        self._require_change(request)
        plugin = get_object_or_404(Plugin, pk=pk)
        if request.method == "POST":
            services.uninstall_plugin(actor=actor_for(request), name=plugin.name)
            messages.success(request, f"Uninstalled {plugin.name}.")
        return HttpResponseRedirect(reverse("admin:plugins_plugin_changelist"))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        plugin = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if plugin is not None:
            extra.update(
                log_records=read_log(plugin.name, lines=200)[::-1],
                values_form=ValuesForm(),
                declared=plugin.manifest.get("variables", []),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _set_enabled(self, request: HttpRequest, queryset: QuerySet[Plugin], enabled: bool) -> None:
        for plugin in queryset:
            services.set_plugin_enabled(actor=actor_for(request), name=plugin.name, enabled=enabled)
        messages.success(request, f"{queryset.count()} plugin(s) {'enabled' if enabled else 'disabled'}.")

    @admin.action(description="Enable the selected plugins", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Plugin]) -> None:
        self._set_enabled(request, queryset, True)

    @admin.action(description="Disable the selected plugins", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Plugin]) -> None:
        self._set_enabled(request, queryset, False)
