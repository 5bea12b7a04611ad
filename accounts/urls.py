from allauth.account import views as allauth_views
from django.urls import include, path

from . import views

urlpatterns = [
    # The names the rest of the project uses (LOGIN_URL, the sign-out button) lead to allauth's views.
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    # Before allauth's own page at this path, which would let people swap their sign-in address.
    path("email/", views.email_address, name="email-address"),
    path("", include("allauth.urls")),
]
