"""The committed OpenAPI schema is the one the code generates, and it is valid OpenAPI 3."""

from pathlib import Path

import yaml
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.validation import validate_schema

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.yaml"


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_committed_schema_is_what_the_code_generates():
    generated = OpenApiYamlRenderer().render(generated_schema(), renderer_context={}).decode()
    assert COMMITTED.read_text() == generated, "The API changed: run `make api-schema` and commit docs/api/openapi.yaml"


def test_the_committed_schema_is_valid_openapi_3():
    schema = yaml.safe_load(COMMITTED.read_text())
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on anything that is not valid OpenAPI 3


def test_every_api_operation_answers_problems_as_application_problem_json():
    schema = yaml.safe_load(COMMITTED.read_text())
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], f"{method} {path} {status}"
            assert {"401", "429"} <= set(operation["responses"]), f"{method} {path}"
