"""Schemathesis sends generated requests (valid and invalid) to every operation of the committed
schema, as every kind of person, each with their own token. Every answer must: not be a server
error, use a status code, content type, headers and body the schema documents, say
`Cache-Control: no-store`, and never contain a patient identifier.

The path's ids are set to the world's own migration, task, system and wave, so the generated query
parameters and bodies reach the real handlers rather than stopping at a 404.
"""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from api.tokens import token_create
from tests.test_access_matrix import World, identifiers

SCHEMA = schemathesis.openapi.from_path(Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml")
SCHEMA.app = WSGIHandler()
# Generated examples only: the coverage phase's exhaustive combinations of the dashboard's ten filters
# take minutes, and each filter value is checked by the dashboard's own form, tested with the dashboard.
SCHEMA.config.phases.update(phases=["examples", "fuzzing"])
ROLES = ["manager", "staff", "it_lead", "icb", "partner", "superuser", "outsider"]
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def in_one_transaction():
    """Django closes the database connection at the end of a request made outside its test client;
    inside the test's transaction that would lose the world. Its test client does the same as this."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def aimed_at_the_world(case, world) -> None:
    own = world.own
    path = case.path_parameters or {}
    if "id" in path:
        path["id"] = own["batch"].pk if case.path.startswith("/api/v1/imports/") else own["migration"].pk
    if "task_pk" in path:
        path["task_pk"] = own["task"].pk
    if "system_pk" in path:
        path["system_pk"] = own["system"].pk


@SCHEMA.parametrize()
@hypothesis_settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_every_role_as_the_schema_says(case, world, in_one_transaction, settings):
    settings.API_RATE = "100000/minute"  # generated requests come faster than any tracker's
    tokens = {role: token_create(user=world.users[role], name="Schemathesis").secret for role in ROLES}
    secrets = identifiers(world)
    aimed_at_the_world(case, world)
    for role, secret in tokens.items():
        # "identity": schemathesis's WSGI transport hands back the body as sent, so a gzipped one
        # (browsers and HTTP clients ask for it) would not read; compression: tests/cutover/test_compression.py.
        response = case.call(headers={"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"})
        case.validate_response(response, checks=CHECKS)
        where = f"{case.method} {case.formatted_path} as {role}"
        assert "no-store" in response.headers["cache-control"][0], where
        body = response.text
        leaked = [secret for secret in secrets if secret in body]
        assert leaked == [], f"{where}: the answer holds patient identifiers"
