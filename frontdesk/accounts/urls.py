from django.urls import path

from frontdesk.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("activate/<str:token>/", views.activate_view, name="activate"),
    path("password/forgot/", views.forgot_view, name="forgot"),
    path("password/reset/<str:token>/", views.reset_view, name="reset"),
]
