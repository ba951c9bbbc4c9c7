"""What plugin code imports: frontdesk's implementation of the Canvas plugin SDK surface.

Plugin code imports `canvas_sdk.<module>` and `logger`; the sandbox (and `frontdesk.sdk.aliases`
for plain Python, e.g. a plugin's own tests) serve those names from `frontdesk.sdk.<module>` and
`frontdesk.sdk.logger`. This package imports nothing from the rest of frontdesk except the
read-only data models it re-exports (`frontdesk.sdk.v1.data`) and `frontdesk.lib` helpers.
"""
