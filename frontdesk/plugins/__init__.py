"""The host side of plugins: manifests, install services, the registry of installed plugins,
the sandbox that loads plugin code, the runner process that executes it under limits, the client
the web and worker processes use to ask it questions, and the appliers that turn plugin effects
into service calls with the plugin as the audited actor.

Owns `Plugin` and `PluginLog`. Consumes every outbox event (lifecycle events go to plugins
asynchronously); emits nothing itself, but the services its effect appliers call do.
"""
