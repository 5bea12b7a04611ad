"""/health/: is the database reachable, and do Celery workers answer through the broker?"""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means unhealthy; report what it was
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status(timeout: float = 1.0) -> tuple[str, int]:
    """Ping the workers through the broker: proves the broker is reachable and someone is listening."""
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            replies = app.control.ping(timeout=timeout, connection=conn)
    except Exception as exc:  # a broker that is down raises many different errors
        return f"error: {exc.__class__.__name__}", 0
    if not replies:
        return "no workers answered", 0
    return "ok", len(replies)


@require_GET
@never_cache
def health(request):
    database = database_status()
    broker, workers = broker_status()
    healthy = database == "ok" and broker == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", "database": database, "broker": broker, "workers": workers},
        status=200 if healthy else 503,
    )
