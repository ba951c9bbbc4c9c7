"""frontdesk: an open-source patient portal with a Canvas-compatible plugin SDK and FHIR R4 API."""

__version__ = "0.1.0"
