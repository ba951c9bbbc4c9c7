from django.urls import path

from frontdesk.fhir import views

urlpatterns = [
    path("metadata", views.metadata, name="fhir_metadata"),
    path(".well-known/smart-configuration", views.smart_configuration, name="smart_configuration"),
    path("<str:resource_type>", views.type_endpoint, name="fhir_type"),
    path("<str:resource_type>/<str:resource_id>", views.instance_endpoint, name="fhir_instance"),
    path("<path:path>", views.other_endpoint, name="fhir_other"),
]
