from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class PerTokenThrottle(SimpleRateThrottle):
    """API_RATE requests per token, counted in the shared cache (CACHES), so every process counts
    together. The browsable pages count per person; anonymous requests are refused before this."""

    scope = "api"

    def get_rate(self):
        return settings.API_RATE  # read per request, so a changed setting applies at once

    def get_cache_key(self, request, view):
        if request.auth is not None and hasattr(request.auth, "pk"):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"ip-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
