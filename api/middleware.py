from django.utils.cache import add_never_cache_headers, patch_cache_control


class ApiNoStoreMiddleware:
    """Every answer under /api/ says `Cache-Control: no-store`: it is one person's view of live data,
    and a proxy or browser cache must not hand it to anyone else, or keep it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
