"""Installed plugins. A plugin's files live under VAR_DIR/plugins/<name>/<digest>/<name>/; the row
points at the current version, so installing a new version is one UPDATE the runner notices."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class PluginQuerySet(models.QuerySet["Plugin"]):
    def enabled(self) -> PluginQuerySet:
        return self.filter(is_enabled=True)


class Plugin(models.Model):
    name = models.CharField(max_length=63, unique=True, help_text="The plugin's package name (manifest “name”).")
    version = models.CharField(max_length=64, help_text="Manifest “plugin_version”.")
    sdk_version = models.CharField(max_length=32, blank=True)
    description = models.TextField(blank=True)
    is_enabled = models.BooleanField(default=True)
    manifest = models.JSONField(default=dict)
    package_dir = models.CharField(max_length=500, help_text="Directory of the installed version's package.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the installed files.")
    handlers = models.JSONField(default=list, help_text="Handler classes (“pkg.mod:Class”) from the manifest.")
    responds_to = models.JSONField(default=list, help_text="Event names its handlers respond to.")
    # Secrets and variables are given to handlers as `self.secrets`. Stored as given; the back
    # office shows only their names.
    secrets = models.JSONField(default=dict, blank=True)
    installed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    install_order = models.PositiveIntegerField(default=0, help_text="Plugins answer in this order (oldest first).")

    objects = PluginQuerySet.as_manager()

    class Meta:
        ordering = ["install_order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=r"^[a-z_][a-z0-9_]*$"), name="plugin_name_is_identifier"),
        ]

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"
