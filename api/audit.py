from .models import ApiToken, ApiWrite


def api_write_record(*, request, status_code: int) -> ApiWrite:
    """One row per write request, whatever the answer: who, with which token, what, and how it ended."""
    user = request.user if request.user and request.user.is_authenticated else None
    token = request.auth if isinstance(request.auth, ApiToken) else None
    return ApiWrite.objects.create(
        user=user, token=token, method=request.method, path=request.path[:300], status_code=status_code
    )
