"""The partner API (seed 002) under ``/api``: ``auth/token`` and ``campaign``.

The client is chosen by host (``{client_slug}.{PARTNER_BASE_DOMAIN}``) or by the path prefix
``/api/clients/{client_slug}/``. Every error is a JSON object with ``error`` (and ``details``
for field problems, each with a ``path`` inside the body), on top of the ``/api/v1`` envelope's
``success``, ``statusCode``, ``message`` and ``code``; never a trace.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import BearerAuthentication
from apps.accounts.models import Role
from apps.accounts.partner_credentials import (
    CREDENTIAL_CLAIM,
    PARTNER_TOKEN_SECONDS,
    partner_access_token,
    partner_credential_check,
    partner_token_failure,
    partner_token_limit_check,
)
from apps.campaigns.models import REFERENCE_ID_MAX_LENGTH, URL_MAX_LENGTH
from apps.common.errors import error_body

from . import selectors, services

TAGS = ["Partner API"]
MAX_MATERIAL = 50
NAME_MIN, NAME_MAX = 3, 200
INVALID_BODY = "Invalid request body"
INVALID_CREDENTIALS = "Invalid API credentials"
INVALID_TOKEN = "Unauthorized - Invalid or expired token"
NO_STORE = {"Cache-Control": "no-store"}

_http_url = URLValidator(schemes=["http", "https"])


class PartnerError(exceptions.APIException):
    """An answer of the partner API that is not a success."""

    def __init__(self, status: int, error: str, *, code: str, details: list | None = None):
        super().__init__(error, code)
        self.status_code = status
        self.error_code = code
        self.details = details or []


def partner_exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, PartnerError):
        status, error, code, details = exc.status_code, str(exc.detail), exc.error_code, exc.details
    elif isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        status, error, code, details = 401, INVALID_TOKEN, "invalid_token", None
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif isinstance(exc, exceptions.ParseError | exceptions.UnsupportedMediaType):
        status, error, code, details = 400, INVALID_BODY, "invalid_request_body", None
    elif isinstance(exc, exceptions.Throttled):
        status, error, code, details = 429, "Too many requests - retry later", "rate_limited", None
        headers["Retry-After"] = str(max(1, int(exc.wait or 1)))
    elif isinstance(exc, exceptions.PermissionDenied):
        status, error, code, details = 403, str(exc.detail), "forbidden", None
    elif isinstance(exc, exceptions.APIException):
        status, error, code, details = exc.status_code, str(exc.detail), None, None
    else:
        return None  # ApiErrorMiddleware answers a logged, trace-free 500
    body = error_body(status, error, code=code, details=details)
    return Response(body, status=status, headers=headers)


class PartnerApiView(APIView):
    authentication_classes = [BearerAuthentication]

    def get_exception_handler(self):
        return partner_exception_handler


# --- Schemas (documentation) --------------------------------------------------------------


class _Text(serializers.CharField):
    """A JSON string only (a number is not a key), kept as sent."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class PartnerTokenRequest(serializers.Serializer):
    api_key = _Text(help_text="The issued partner API key.")
    api_secret = _Text(help_text="The secret shown once when the key was issued.")


class PartnerTokenResponse(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(default=PARTNER_TOKEN_SECONDS)


class PartnerSourceRequest(serializers.Serializer):
    material = serializers.ListField(
        child=serializers.URLField(),
        help_text="Asset URIs: images become banners, videos video ads.",
    )
    name = serializers.CharField(min_length=NAME_MIN, max_length=NAME_MAX)
    reference_id = serializers.CharField(
        max_length=REFERENCE_ID_MAX_LENGTH,
        help_text="Your id for the campaign; unique per client. Sending it again resolves.",
    )
    target_url = serializers.URLField(help_text="Where a click on the ads leads (http or https).")


class PartnerCampaignRequest(serializers.Serializer):
    source = PartnerSourceRequest()


class PartnerCampaignLinkResponse(serializers.Serializer):
    campaign_link = serializers.URLField()


class PartnerCampaignCreatedResponse(serializers.Serializer):
    ad_creation_link = serializers.URLField()
    campaign_id = serializers.CharField(help_text="Opaque id of the new campaign.")


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class _PathPart(serializers.Field):
    """A field name, or the index of an item in a list (``["source", "material", 0]``)."""


class PartnerErrorDetail(serializers.Serializer):
    path = serializers.ListField(child=_PathPart())
    message = serializers.CharField()
    code = serializers.CharField()


class PartnerErrorResponse(serializers.Serializer):
    error = serializers.CharField()
    details = PartnerErrorDetail(many=True, required=False)
    success = serializers.BooleanField(default=False)
    statusCode = serializers.IntegerField()  # noqa: N815 - the envelope's spelling
    message = serializers.CharField()
    code = serializers.CharField()


def _error(status: int, description: str) -> OpenApiResponse:
    return OpenApiResponse(PartnerErrorResponse, description=description)


# --- POST /api/auth/token -----------------------------------------------------------------


TOKEN_SCHEMA = dict(
    auth=[],
    tags=TAGS,
    operation_id="partner_auth_token",
    summary="Exchange partner credentials for a JWT",
    description="Seed 002's token exchange: the issued `api_key` + `api_secret` give a "
    "bearer JWT valid for one hour. Also at `/api/clients/{client_slug}/auth/token` and "
    "on any client host. Failed exchanges are rate limited like logins (`RATELIMIT_LOGIN`).",
    request=PartnerTokenRequest,
    responses={
        200: PartnerTokenResponse,
        400: _error(400, '`{"error": "Invalid request body"}`'),
        401: _error(401, '`{"error": "Invalid API credentials"}`'),
        429: _error(429, "Too many failed exchanges (see Retry-After)"),
    },
    examples=[
        OpenApiExample(
            "Exchange",
            value={"api_key": "pk_live_…", "api_secret": "psk_live_…"},
            request_only=True,
        )
    ],
)


class PartnerTokenApi(PartnerApiView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(**TOKEN_SCHEMA)
    def post(self, request, client_slug: str | None = None):
        body = request.data
        # Refuses non-strings, empty strings, NUL bytes and lone surrogates: no real key or
        # secret holds them (and PostgreSQL cannot even compare a NUL).
        form = PartnerTokenRequest(data=body if isinstance(body, dict) else {})
        if not form.is_valid():
            raise PartnerError(400, INVALID_BODY, code="invalid_request_body")
        api_key, api_secret = form.validated_data["api_key"], form.validated_data["api_secret"]
        partner_token_limit_check(request, api_key[:64])
        credential = partner_credential_check(api_key=api_key[:64], api_secret=api_secret[:200])
        if credential is None:
            partner_token_failure(request, api_key[:64])
            raise PartnerError(401, INVALID_CREDENTIALS, code="invalid_credentials")
        token = partner_access_token(credential)
        return Response(
            {
                "access_token": str(token),
                "token_type": "Bearer",
                "expires_in": PARTNER_TOKEN_SECONDS,
            },
            headers=NO_STORE,
        )


# --- POST /api/campaign -------------------------------------------------------------------

_LABELS = {
    "source": "Source",
    "material": "Material",
    "name": "Name",
    "reference_id": "Reference ID",
    "target_url": "Target URL",
}
_SOURCE_FIELDS = ("material", "name", "reference_id", "target_url")


def _dotted(path: list) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _valid_http_url(value: Any) -> bool:
    if not isinstance(value, str) or not value or len(value) > URL_MAX_LENGTH:
        return False
    try:
        _http_url(value)
    except DjangoValidationError:
        return False
    return True


def validate_partner_source(body: Any) -> dict[str, Any]:
    """The ``source`` object of a campaign request, checked; raises a 400 ``PartnerError``."""
    if not isinstance(body, dict):
        raise PartnerError(400, INVALID_BODY, code="invalid_request_body")
    source = body.get("source")
    if source is None:
        raise PartnerError(
            400,
            "Missing required field: source",
            code="missing_field",
            details=[{"path": ["source"], "code": "required", "message": "Source is required"}],
        )
    if not isinstance(source, dict):
        raise PartnerError(
            400,
            "Invalid field: source",
            code="invalid_field",
            details=[{"path": ["source"], "code": "invalid_type", "message": "Expected an object"}],
        )
    missing, invalid = [], []
    for name in _SOURCE_FIELDS:
        value = source.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(
                {
                    "path": ["source", name],
                    "code": "required",
                    "message": f"{_LABELS[name]} is required",
                }
            )
    present = {d["path"][1] for d in missing}
    material = source.get("material")
    if "material" not in present:
        if not isinstance(material, list):
            invalid.append(
                _invalid(["source", "material"], "Expected a list of URIs", "invalid_type")
            )
        elif not material:
            invalid.append(_invalid(["source", "material"], "Give at least one URI", "too_small"))
        elif len(material) > MAX_MATERIAL:
            invalid.append(
                _invalid(["source", "material"], f"At most {MAX_MATERIAL} URIs", "too_big")
            )
        else:
            for index, item in enumerate(material):
                if not _valid_http_url(item):
                    invalid.append(
                        _invalid(
                            ["source", "material", index],
                            "Expected an absolute http or https URI",
                            "invalid_string",
                        )
                    )
    name = source.get("name")
    if "name" not in present:
        if not isinstance(name, str):
            invalid.append(_invalid(["source", "name"], "Expected a string", "invalid_type"))
        elif not NAME_MIN <= len(name.strip()) <= NAME_MAX:
            invalid.append(
                _invalid(
                    ["source", "name"],
                    f"Use {NAME_MIN} to {NAME_MAX} characters",
                    "too_small" if len(name.strip()) < NAME_MIN else "too_big",
                )
            )
    reference = source.get("reference_id")
    if "reference_id" not in present:
        if isinstance(reference, bool) or not isinstance(reference, str | int):
            invalid.append(
                _invalid(["source", "reference_id"], "Expected a string", "invalid_type")
            )
        elif len(str(reference).strip()) > REFERENCE_ID_MAX_LENGTH:
            invalid.append(
                _invalid(
                    ["source", "reference_id"],
                    f"At most {REFERENCE_ID_MAX_LENGTH} characters",
                    "too_big",
                )
            )
    if "target_url" not in present and not _valid_http_url(source.get("target_url")):
        invalid.append(
            _invalid(
                ["source", "target_url"], "Expected an absolute http or https URL", "invalid_string"
            )
        )
    if missing:
        names = ", ".join(_dotted(d["path"]) for d in missing)
        word = "field" if len(missing) == 1 else "fields"
        raise PartnerError(
            400,
            f"Missing required {word}: {names}",
            code="missing_field",
            details=missing + invalid,
        )
    if invalid:
        raise PartnerError(
            400,
            f"Invalid field: {_dotted(invalid[0]['path'])} - {invalid[0]['message']}",
            code="invalid_field",
            details=invalid,
        )
    cleaned = dict(source)
    cleaned["name"] = name.strip()
    cleaned["reference_id"] = str(reference).strip()
    return cleaned


def _invalid(path: list, message: str, code: str) -> dict:
    return {"path": path, "code": code, "message": message}


CAMPAIGN_SCHEMA = dict(
    tags=TAGS,
    operation_id="partner_campaign_create",
    summary="Create or resolve a client's campaign",
    description="Seed 002's campaign intake, on the client's host "
    "(`https://{client_slug}.{PARTNER_BASE_DOMAIN}/api/campaign`) or at "
    "`/api/clients/{client_slug}/campaign`, with a partner JWT from `POST /api/auth/token`. "
    "A `reference_id` this client already has answers 200 with the campaign's dashboard "
    "link. Otherwise a draft campaign is made (the `source` kept whole) with one draft "
    "creative per usable material URI (images → banners, videos → video ads) and the "
    "answer is 201 with `ad_creation_link` (the dashboard page where the advertiser or "
    "the partner confirms the creatives and submits) and an opaque `campaign_id`; when no "
    "URI is usable it is 201 with `campaign_link`, the prefilled finishing form. A client "
    "the partner was not granted is 404; a non-partner token is 403.",
    request=PartnerCampaignRequest,
    responses={
        200: OpenApiResponse(
            PartnerCampaignLinkResponse,
            description="This client already has a campaign with this reference_id.",
        ),
        201: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="PartnerCampaignCreatedOrLink",
                serializers=[PartnerCampaignCreatedResponse, PartnerCampaignLinkResponse],
                resource_type_field_name=None,
            ),
            description="Created; or `{campaign_link}` when no creative could be made.",
        ),
        400: _error(400, "Invalid body or fields (`details` name each)"),
        401: _error(401, '`{"error": "Unauthorized - Invalid or expired token"}`'),
        403: _error(403, "Not a partner token"),
        404: _error(404, "Unknown client, or one not granted to this partner"),
        429: _error(429, "Rate limited (see Retry-After)"),
    },
    examples=[
        OpenApiExample(
            "Campaign",
            value={
                "source": {
                    "material": ["https://cdn.example.com/summer_300x250.png"],
                    "name": "Summer sale",
                    "reference_id": "order-8812",
                    "target_url": "https://shop.example.com/summer",
                }
            },
            request_only=True,
        )
    ],
)


class PartnerCampaignApi(PartnerApiView):
    @extend_schema(**CAMPAIGN_SCHEMA)
    def post(self, request, client_slug: str | None = None):
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if user.role != Role.PARTNER:
            raise PartnerError(
                403, "Forbidden - a partner token is required", code="partner_required"
            )
        advertiser = self._client(request, client_slug)
        source = validate_partner_source(request.data)
        credential_id = request.auth.get(CREDENTIAL_CLAIM) if hasattr(request.auth, "get") else None
        campaign, intake, created = services.partner_campaign_intake(
            partner=user, advertiser=advertiser, source=source, credential_id=credential_id
        )
        if not created:
            return Response({"campaign_link": selectors.campaign_link(request, campaign)})
        if intake is not None and intake.ad_ids:
            return Response(
                {
                    "ad_creation_link": selectors.finish_link(request, campaign),
                    "campaign_id": str(intake.public_id),
                },
                status=201,
            )
        return Response({"campaign_link": selectors.finish_link(request, campaign)}, status=201)

    @staticmethod
    def _client(request, client_slug: str | None):
        slug = client_slug or selectors.client_slug_from_host(request)
        partner = request.user
        if slug is None:
            managed = list(selectors.partner_managed_advertisers(partner=partner)[:2])
            if len(managed) == 1:
                return managed[0]
            raise PartnerError(
                400,
                "Missing client: call https://{client_slug}.<host>/api/campaign or "
                "/api/clients/{client_slug}/campaign",
                code="client_required",
            )
        advertiser = selectors.partner_client_get(partner=partner, client_slug=slug.lower())
        if advertiser is None:
            raise PartnerError(404, "Client not found", code="client_not_found")
        return advertiser


# The same endpoints under the client's path prefix, for hosts without client subdomains.
SLUG_PARAMETER = OpenApiParameter(
    "client_slug", str, OpenApiParameter.PATH, description="The client's `client_slug`."
)


class ClientPartnerTokenApi(PartnerTokenApi):
    @extend_schema(
        **{
            **TOKEN_SCHEMA,
            "operation_id": "partner_client_auth_token",
            "parameters": [SLUG_PARAMETER],
        }
    )
    def post(self, request, client_slug: str | None = None):
        return super().post(request, client_slug)


class ClientPartnerCampaignApi(PartnerCampaignApi):
    @extend_schema(
        **{
            **CAMPAIGN_SCHEMA,
            "operation_id": "partner_client_campaign_create",
            "parameters": [SLUG_PARAMETER],
        }
    )
    def post(self, request, client_slug: str | None = None):
        return super().post(request, client_slug)
