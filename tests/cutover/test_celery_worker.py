"""The Celery wiring, proved with a real worker against the real Redis."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from cutover.celery import app

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_health_is_ok_when_a_real_worker_answers_through_redis(client, redis_url):
    assert app.conf.broker_url.startswith("redis://"), "CI must point REDIS_URL at the real Redis"
    app.control.purge()  # leftovers of other runs in this Redis database
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        response = client.get(reverse("health"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["workers"] >= 1


def test_celery_is_configured_for_json_and_london_time():
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]
    assert app.conf.timezone == "Europe/London"
    assert app.conf.task_time_limit
