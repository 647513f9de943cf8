"""The OpenAPI schema: valid, generated without a warning, every operation described with examples."""

import json

import pytest
import requests
import schemathesis
import yaml
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from schemathesis.core.failures import FailureGroup

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/cursus/api/v1/courses/"),
    ("get", "/cursus/api/v1/sessions/"),
    ("get", "/cursus/api/v1/sessions/{session_id}/"),
    ("get", "/cursus/api/v1/sessions/{session_id}/events/"),
    ("get", "/cursus/api/v1/users/{username}/registrations/"),
    ("post", "/cursus/api/v1/users/{username}/registrations/"),
    ("delete", "/cursus/api/v1/users/{username}/registrations/{registration_id}/"),
    ("post", "/cursus/api/v1/users/{username}/registrations/{registration_id}/documents/"),
    ("get", "/cursus/api/v1/me/registrations/"),
    ("post", "/cursus/api/v1/me/registrations/"),
    ("delete", "/cursus/api/v1/me/registrations/{registration_id}/"),
    ("get", "/cursus/api/v1/documents/{document_id}/download/"),
    ("get", "/cursus/api/v1/documents/verify/{code}/"),
    ("get", "/cursus/api/v1/events/{event_id}/attendance/"),
    ("post", "/cursus/api/v1/events/{event_id}/attendance/"),
    ("get", "/cursus/api/v1/exports/{what}/"),
    ("post", "/cursus/api/v1/imports/registrations/"),
    ("post", "/cursus/api/v1/imports/sessions/"),
    ("get", "/cursus/api/v1/imports/{job_id}/"),
}


@pytest.fixture
def schema(client):
    GENERATOR_STATS.reset()
    response = client.get(reverse("cursus_xblock:api-schema"), {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_the_schema_is_valid_openapi_3_generated_without_warnings(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert not GENERATOR_STATS, "drf-spectacular warned: see the captured stderr"


def test_it_describes_exactly_our_operations(schema):
    assert {(method, path) for method, path, _ in _operations(schema)} == OPERATIONS
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids))


def test_every_operation_is_described_with_examples_and_its_errors(schema):
    for method, path, operation in _operations(schema):
        label = f"{method.upper()} {path}"
        assert operation.get("summary") and operation.get("tags"), label
        responses = operation["responses"]
        assert any(code.startswith("4") for code in responses), label
        examples = [
            example
            for response in responses.values()
            for content in response.get("content", {}).values()
            for example in content.get("examples", {}).values()
        ]
        assert examples, f"{label} has no example"
        if "requestBody" in operation:
            (content,) = operation["requestBody"]["content"].values()
            assert content.get("examples"), f"{label} has no request example"
        for code, response in responses.items():
            if code.startswith("4"):
                (content,) = response["content"].values()
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, label


def test_every_response_example_matches_its_schema(schema):
    loaded = schemathesis.openapi.from_dict(schema)
    request = requests.Request("GET", "http://testserver/").prepare()
    checked = 0
    for method, path, operation in _operations(schema):
        api_operation = loaded[path][method]
        for code, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if media_type != "application/json":
                    continue
                for name, example in content.get("examples", {}).items():
                    fake = schemathesis.Response(
                        status_code=int(code),
                        headers={"content-type": [media_type]},
                        content=json.dumps(example["value"]).encode(),
                        request=request,
                        elapsed=0.0,
                        verify=True,
                    )
                    try:
                        api_operation.validate_response(fake)
                    except FailureGroup as exc:  # its failures say which field
                        raise AssertionError(f"{method.upper()} {path} {code} example {name!r}: {exc}") from exc
                    checked += 1
    assert checked >= 40


def test_only_the_verification_is_public(schema):
    for method, path, operation in _operations(schema):
        public = not operation.get("security")
        assert public == path.endswith("/verify/{code}/"), f"{method.upper()} {path}"


def test_enum_names_do_not_depend_on_a_schema_the_host_generated_first(client, settings):
    """drf-spectacular caches ENUM_NAME_OVERRIDES per language for the process (its issue #1244).

    The host's own schema (here: its settings, no override) generated first must not give ours
    hashed enum names; nor may ours need a poke into drf-spectacular's private cache.
    """
    settings.SPECTACULAR_SETTINGS = {"ENUM_NAME_OVERRIDES": {}}
    SchemaGenerator(patterns=[]).get_schema(request=None, public=True)  # the host's, first
    GENERATOR_STATS.reset()
    schema = json.loads(client.get(reverse("cursus_xblock:api-schema"), {"format": "json"}).content)
    names = set(schema["components"]["schemas"])
    assert {"RoleEnum", "RegistrationStatusEnum", "SessionStatusEnum", "DocumentKindEnum", "ResultEnum"} <= names
    assert not GENERATOR_STATS, "drf-spectacular warned: see the captured stderr"


def test_the_schema_is_public_and_yaml_by_default(client):
    response = client.get(reverse("cursus_xblock:api-schema"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content)["info"]["title"] == "Cursus API"


def test_the_docs_page_shows_the_schema_next_to_it(client):
    response = client.get(reverse("cursus_xblock:api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert reverse("cursus_xblock:api-schema") in page


def test_the_schema_lists_the_error_codes_in_the_request_language(client):
    schema = json.loads(client.get(reverse("cursus_xblock:api-schema"), {"format": "json"}).content)
    description = schema["info"]["description"]
    for code in ("session_full", "already_registered", "not_allowed", "not_started", "throttled"):
        assert f"`{code}`" in description
