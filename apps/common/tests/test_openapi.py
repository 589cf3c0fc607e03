"""The OpenAPI document: valid, served as JSON, and browsable without any CDN."""

import compileall
import json
import re
import subprocess
import sys

import pytest
import yaml
from django.core.management import call_command
from openapi_spec_validator import validate

from apps.common.schema import pattern_or_blank


def test_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/login" in schema["paths"]


OPERATION_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def test_every_operation_has_a_summary_and_a_description(tmp_path):
    """A line saying what the operation is, and a few sentences on what it does and for whom
    (the hand-written public and OpenRTB paths included)."""
    target = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(target))
    schema = json.loads(target.read_text())
    offenders = []
    for path, item in schema["paths"].items():
        for method in OPERATION_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            lacking = [
                key
                for key in ("summary", "description")
                if not str(operation.get(key) or "").strip()
            ]
            if lacking:
                name = f"{method.upper()} {path} ({operation.get('operationId')})"
                offenders.append(f"{name}: no {' or '.join(lacking)}")
    assert not offenders, f"{len(offenders)} operations lack documentation:\n" + "\n".join(
        offenders
    )


@pytest.mark.django_db
def test_served_document_passes_openapi_spec_validator(api_client):
    """What clients download is a valid OpenAPI 3 document (defaults agree with patterns …)."""
    document = json.loads(api_client.get("/api/v1/docs-json").content)
    validate(document)  # raises with the first violation


# Documents, not JSON: the generator leaves these answers out of the client, as it may.
BINARY_MEDIA_TYPES = ("image/gif", "application/pdf", "text/csv", "application/xml")


@pytest.mark.django_db
def test_a_python_client_generates_without_warnings(api_client, tmp_path):
    """openapi-python-client reads the whole document; it may only skip binary answers."""
    (tmp_path / "doc.json").write_bytes(api_client.get("/api/v1/docs-json").content)
    (tmp_path / "config.yml").write_text("post_hooks: []\n")
    generated = subprocess.run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(tmp_path / "doc.json"), "--output-path", str(tmp_path / "client")),
            *("--meta", "none", "--config", str(tmp_path / "config.yml")),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    warnings = re.split(r"(?m)^(?=WARNING|ERROR)", output)[1:]
    for warning in warnings:
        skipped = re.search(r"Unsupported content_type ([\w/+.-]+)\)", warning)
        assert skipped and skipped.group(1) in BINARY_MEDIA_TYPES, warning
    assert (tmp_path / "client" / "api").is_dir()
    assert compileall.compile_dir(tmp_path / "client", quiet=1)


def test_blank_allowed_patterns_match_blank():
    pattern = pattern_or_blank(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
    assert re.fullmatch(pattern, "") and re.fullmatch(pattern, "news-24")
    assert not re.fullmatch(pattern, "News")


@pytest.mark.django_db
def test_docs_json(api_client):
    response = api_client.get("/api/v1/docs-json")
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]
    paths = schema["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/signup",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/api-keys",
        "/api/v1/api-keys/{key_id}",
        "/api/v1/users",
        "/api/v1/users/{user_id}",
        "/api/v1/settings",
        "/api/v1/roles",
    ):
        assert path in paths, path
    assert "post" in paths["/api/v1/auth/login"]
    assert {"get", "post"} <= set(paths["/api/v1/users"])
    assert "BearerAuth" in schema["components"]["securitySchemes"]
    # The error envelope is documented on every operation, not just where a view lists it.
    error_ref = "#/components/schemas/ErrorOutput"
    users_post = paths["/api/v1/users"]["post"]["responses"]
    for code in ("401", "403", "409", "422", "429"):
        assert users_post[code]["content"]["application/json"]["schema"]["$ref"] == error_ref
    assert "404" in paths["/api/v1/users/{user_id}"]["get"]["responses"]
    assert "401" in paths["/api/v1/api-keys"]["get"]["responses"]
    assert "401" not in paths["/api/v1/roles"]["get"]["responses"]


@pytest.mark.django_db
def test_docs_html_uses_local_assets(api_client):
    response = api_client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "/static/" in html
    # The schema URL is written as a JS string (Django escapes "-" as \u002D there).
    assert "/api/v1/docs-json" in html.replace("\\u002D", "-")
    for cdn in ("cdn.", "unpkg", "jsdelivr", "cdnjs"):
        assert cdn not in html, cdn


@pytest.mark.django_db
def test_docs_static_assets_are_served(client):
    html = client.get("/api/v1/docs").content.decode()
    start = html.index("/static/")
    end = min(i for i in (html.find('"', start), html.find("'", start)) if i != -1)
    asset = client.get(html[start:end])
    assert asset.status_code == 200
