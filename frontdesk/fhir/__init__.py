"""The FHIR R4 API at /fhir/, compatible with Canvas's, and its OAuth2 endpoints at /auth/.

Owns OAuth clients, authorization codes and access/refresh tokens (`models.py`, written through
`services.py`), the token endpoint (client credentials, patient-scoped tokens, authorization code
with PKCE, refresh) and SMART's authorize endpoint and discovery (`views.py`), the Bearer-token
check with SMART `system/` and `patient/` scopes (`scopes.py`), the patient compartment a
patient-bound token is limited to (`compartment.py`), OperationOutcome
errors (`outcomes.py`), searchset Bundles and paging (`search.py`), the CapabilityStatement
generated from the registered resources (`capability.py`), one module per resource type in
`resources/`, and `frontdesk import-fhir`, the NDJSON loader (`importer.py`) that writes through
the same Patient and Practitioner mapping as the API. Emits no events of its own (the clinic
services it calls emit theirs).
"""
