"""OpenAPI helpers: the error schema, success envelopes, and default error responses."""

from __future__ import annotations

from functools import cache

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class PathItemField(serializers.Field):
    """A key of the path to a failing field, or the index of a list item (``["body",
    "manager_ids", 3]``)."""

    def to_representation(self, value):
        return value


class ErrorDetailOutput(serializers.Serializer):
    path = serializers.ListField(
        child=PathItemField(), help_text='Where the failing value is, e.g. ["query", "page"].'
    )
    code = serializers.CharField()
    message = serializers.CharField()
    minimum = serializers.JSONField(required=False)
    maximum = serializers.JSONField(required=False)
    options = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The allowed values."
    )


def pattern_or_blank(pattern: str) -> str:
    """``pattern`` that also matches ``""``: what a field with ``allow_blank`` accepts, so the
    document's pattern agrees with a blank value (and with a ``default: ""``)."""
    return f"^(?:{pattern.removeprefix('^').removesuffix('$')})?$"


def url_or_blank_output(**kwargs) -> serializers.CharField:
    """A stored URL that may be empty: a string, not ``format: uri``, which ``""`` is not."""
    kwargs.setdefault("help_text", 'An http or https URL, or "" when there is none.')
    return serializers.CharField(read_only=True, **kwargs)


class ErrorOutput(serializers.Serializer):
    success = serializers.BooleanField(default=False)
    statusCode = serializers.IntegerField()  # noqa: N815 - the contract's spelling
    error = serializers.CharField(help_text="Human-readable description of what went wrong.")
    message = serializers.CharField(help_text="Short summary, e.g. 'validation failed'.")
    code = serializers.CharField(help_text="Stable machine-readable code.")
    details = ErrorDetailOutput(many=True, required=False)


class PaginationOutput(serializers.Serializer):
    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Items on this page.")
    total = serializers.IntegerField(help_text="Items in all pages.")
    pages = serializers.IntegerField()


class MessageOutput(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


@cache
def envelope(
    inner: type[serializers.Serializer], *, many: bool = False, paginated: bool = True
) -> type:
    """``{"success": true, "data": <inner>}``; paginated lists add ``pagination``.

    ``paginated=False`` is for short fixed lists (a summary's rows) answered whole.
    """
    base = inner.__name__.removesuffix("Output")
    if not many:
        name = f"{base}Envelope"
    else:
        name = f"{base}ListEnvelope" if paginated else f"{base}RowsEnvelope"
    attrs = {
        "success": serializers.BooleanField(default=True),
        "data": inner(many=many),
    }
    if many and paginated:
        attrs["pagination"] = PaginationOutput()
    return type(name, (serializers.Serializer,), attrs)


ERROR_DESCRIPTIONS = {
    400: "Malformed body or business-rule violation",
    401: "Missing, invalid or expired credentials",
    403: "Authenticated but not allowed",
    404: "Not found (or not yours)",
    409: "Conflict with an existing resource",
    413: "Body too large",
    422: "Field validation failed",
    429: "Rate limited (see Retry-After)",
    502: "An outside service (e.g. the payment provider) could not be reached or refused",
}


def error_response(status: int) -> OpenApiResponse:
    return OpenApiResponse(ErrorOutput, description=ERROR_DESCRIPTIONS.get(status, "Error"))


NULL_ENUM = {"enum": [None]}


def postprocess_nullable_refs(result: dict, generator, request, public) -> dict:
    """Say "or null" the way OpenAPI 3.0 validators read it.

    drf-spectacular writes a nullable object or union as ``{"allOf": [{"$ref": …}],
    "nullable": true}`` (or ``nullable`` beside a ``oneOf``). Strict 3.0 readers (openapi-core,
    client generators) apply ``nullable`` only next to a ``type``, so ``null`` was refused
    there (a campaign without ``frequency_cap``). Such schemas become ``oneOf`` with
    ``NullEnum`` (``{"enum": [null]}``), the form drf-spectacular uses for nullable choices.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    null_ref = {"$ref": "#/components/schemas/NullEnum"}

    def fix(node):
        if isinstance(node, list):
            return [fix(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: fix(value) for key, value in node.items()}
        if not node.get("nullable") or "type" in node:
            return node
        if list(node.get("allOf", ())) and len(node["allOf"]) == 1:
            node["oneOf"] = [node.pop("allOf")[0], null_ref]
        elif "oneOf" in node and null_ref not in node["oneOf"]:
            node["oneOf"] = [*node["oneOf"], null_ref]
        else:
            return node
        del node["nullable"]
        schemas.setdefault("NullEnum", NULL_ENUM)
        return node

    result["paths"] = fix(result.get("paths", {}))
    for name in list(schemas):
        schemas[name] = fix(schemas[name])
    return result


class AutoSchema(SpectacularAutoSchema):
    """Adds the error responses every endpoint can give so no view has to list them."""

    # ``_get_response_bodies`` rather than ``get_response_serializers``: ``@extend_schema``
    # subclasses this class and overrides the latter, which would skip the defaults below.
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not isinstance(responses, dict):
            return responses
        responses = dict(responses)
        codes = [429]
        if self._is_authenticated():
            codes += [401, 403]
        if self.method in ("POST", "PUT", "PATCH"):
            # A body can name another object (``advertiser_id``, ``campaign_id``…) that does
            # not exist or is not the caller's: 404, as for a path id. Any body may be too
            # large (413) or in a media type the operation does not read (415).
            codes += [400, 404, 413, 415, 422]
        elif self.method == "GET" and "{" not in self.path:
            codes.append(422)  # lists and reports validate their query (pages, filters, dates)
        if "{" in self.path:
            codes.append(404)
        for code in codes:
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    error_response(code), str(code), direction=direction
                )
        return responses

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation:
            return operation
        # Whatever reads a query validates it: a bad value there is a 422 naming the parameter.
        queried = any(p.get("in") == "query" for p in operation.get("parameters", ()))
        responses = operation.get("responses", {})
        if queried and "422" not in responses:
            responses["422"] = self._get_response_for_code(
                error_response(422), "422", direction="response"
            )
        return operation

    def _is_authenticated(self) -> bool:
        from rest_framework.permissions import AllowAny

        return not any(isinstance(p, AllowAny) for p in self.view.get_permissions())
