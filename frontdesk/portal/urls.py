from django.urls import path

from frontdesk.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/book/", views.book_appointment, name="book_appointment"),
    path("appointments/<str:appointment_id>/cancel/", views.cancel_appointment, name="cancel_appointment"),
    path("appointments/<str:appointment_id>/reschedule/", views.reschedule_appointment, name="reschedule_appointment"),
    path("health/", views.health, name="health"),
    path("account/", views.account, name="account"),
    path("account/password/", views.change_password, name="change_password"),
    path("account/sessions/end/", views.end_sessions, name="end_sessions"),
    path("account/apps/<str:client_id>/revoke/", views.revoke_app, name="revoke_app"),
    path("account/contact/<str:contact_point_id>/send-code/", views.send_code, name="send_code"),
    path("account/contact/<str:contact_point_id>/verify/", views.verify, name="verify"),
]
