"""Top-level routes: the portal at /, accounts at /accounts/, the back office at /admin/,
the FHIR API at /fhir/ and its OAuth2 endpoints at /auth/ (token, SMART authorize, style)."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from frontdesk.accounts.admin import outbox_item_view, outbox_view
from frontdesk.fhir.views import authorize as oauth_authorize
from frontdesk.fhir.views import smart_style
from frontdesk.fhir.views import token as oauth_token


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


admin.site.site_header = "frontdesk back office"
admin.site.site_title = "frontdesk"
admin.site.index_title = "Clinic administration"

urlpatterns = [
    path("admin/outbox/", admin.site.admin_view(outbox_view), name="outbox"),
    path("admin/outbox/<str:name>/", admin.site.admin_view(outbox_item_view), name="outbox_item"),
    path("admin/", admin.site.urls),
    path("accounts/", include("frontdesk.accounts.urls")),
    path("calendars/", include("frontdesk.scheduling.urls")),
    path("auth/token/", oauth_token, name="oauth_token"),
    path("auth/authorize/", oauth_authorize, name="oauth_authorize"),
    path("auth/smart-style.json", smart_style, name="smart_style"),
    path("fhir/", include("frontdesk.fhir.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("frontdesk.portal.urls")),
]
