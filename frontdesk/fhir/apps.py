from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "frontdesk.fhir"
    label = "fhir"
    verbose_name = "FHIR API"
