"""The plugin examples of seed 000 (Canvas's patient-portal SDK page), verbatim but for indentation.

Imported only after `frontdesk.sdk.aliases.install()`: they import `canvas_sdk.*` as real plugins do.
"""
