from django.urls import path

from frontdesk.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("<str:token>.ics", views.provider_feed, name="provider_feed"),
]
