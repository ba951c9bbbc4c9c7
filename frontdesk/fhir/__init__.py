"""The FHIR R4 API at /fhir/, compatible with Canvas's, and its OAuth2 token endpoint at /auth/token/.

Owns OAuth clients and access tokens (`models.py`, written through `services.py`), the Bearer-token
check with SMART `system/<Type>.<read|write|*>` scopes (`scopes.py`, `views.py`), OperationOutcome
errors (`outcomes.py`), searchset Bundles and paging (`search.py`), the CapabilityStatement
generated from the registered resources (`capability.py`) and one module per resource type in
`resources/`. Emits no events.
"""
