import allauth.urls
from allauth.account import views as allauth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.http import require_http_methods

from . import views

get_and_post_only = require_http_methods(["GET", "HEAD", "POST"])


def _get_and_post_only(patterns: list) -> list:
    """allauth's views, refusing other methods with 405 like every other view here.

    Django's FormView treats PUT as POST; nothing in a browser sends it, so nothing is lost.
    """
    copied = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            copied.append(
                URLResolver(
                    pattern.pattern,
                    _get_and_post_only(pattern.url_patterns),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        else:
            copied.append(
                URLPattern(pattern.pattern, get_and_post_only(pattern.callback), pattern.default_args, pattern.name)
            )
    return copied


urlpatterns = [
    # The names the rest of the project uses (LOGIN_URL, the sign-out button) lead to allauth's views.
    path("login/", get_and_post_only(allauth_views.login), name="login"),
    path("logout/", get_and_post_only(allauth_views.logout), name="logout"),
    # Before allauth's own page at this path, which would let people swap their sign-in address.
    path("email/", views.email_address, name="email-address"),
    path("", include(_get_and_post_only(allauth.urls.urlpatterns))),
]
