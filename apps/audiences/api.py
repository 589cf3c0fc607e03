"""Audiences API: segments, audiences (rules, lists, lookalikes), list uploads, the consent
ledger, websites' consent settings, and end-user privacy (export and erasure)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Role
from apps.accounts.permissions import HasRole, IsAdmin
from apps.campaigns.permissions import CanUseCampaigns
from apps.campaigns.services import advertiser_acting
from apps.common.api import ok, paginate, validate_body, validate_query
from apps.common.errors import FieldValidationError, NotFoundError
from apps.common.schema import MessageOutput, envelope, error_response

from . import selectors, services
from .consent.ledger import LedgerEntry, consent_stats
from .consent.policy import ConsentSignals, consent_decide
from .ledger_store import consent_record_fields
from .lookalike import lookalike_estimate
from .models import AudienceType, ConsentRecord, ConsentSource, WebsiteConsentSettings
from .privacy import privacy_erase, privacy_export
from .serializers import (
    AudienceCreateInput,
    AudienceListQuery,
    AudienceOutput,
    AudienceUpdateInput,
    ConsentCreateInput,
    ConsentListQuery,
    ConsentRecordOutput,
    ConsentSettingsInput,
    ConsentSettingsOutput,
    ConsentStatsRowOutput,
    LookalikeEstimateInput,
    LookalikeEstimateOutput,
    PrivacyQuery,
    SegmentCreateInput,
    SegmentListQuery,
    SegmentOutput,
    SegmentUpdateInput,
    UploadInput,
    UploadOutput,
    UploadQuery,
)
from .uploads import CHUNK, upload_receive

TAGS = ["Audiences"]
CONSENT_TAGS = ["Consent and privacy"]


def _segment_for(request, segment_id: int):
    segment = selectors.segment_get(user=request.user, segment_id=segment_id)
    if segment is None:
        raise NotFoundError("Segment not found.")
    return segment


def _audience_for(request, audience_id: int):
    audience = selectors.audience_get(user=request.user, audience_id=audience_id)
    if audience is None:
        raise NotFoundError("Audience not found.")
    return audience


def _segments_page(request, queryset) -> Response:
    items, meta = paginate(request, queryset)
    context = {"request": request, "stats": selectors.segment_stats_of(items)}
    return Response(
        {
            "success": True,
            "data": SegmentOutput(items, many=True, context=context).data,
            "pagination": meta,
        }
    )


class SegmentListApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="segments_list",
        summary="List segments",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Paginated, newest first; filter by `advertiser_id` and `search` "
        "(part of the name). Each segment carries its live size and its retargeting "
        "pixel URL.",
        parameters=[SegmentListQuery],
        responses={200: envelope(SegmentOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(SegmentListQuery, request)
        return _segments_page(
            request,
            selectors.segment_list(
                user=request.user,
                advertiser_id=query.get("advertiser_id"),
                search=query.get("search", ""),
            ),
        )

    @extend_schema(
        tags=TAGS,
        operation_id="segments_create",
        summary="Create a segment",
        description="Admin, advertiser or partner. An advertiser creates for itself; an admin or "
        "partner names `advertiser_id` (a partner only one it manages). The answer "
        "carries the pixel URL that adds visitors to the segment.",
        request=SegmentCreateInput,
        responses={201: envelope(SegmentOutput), 422: error_response(422)},
        examples=[
            OpenApiExample(
                "Retargeting segment", value={"name": "Cart abandoners"}, request_only=True
            )
        ],
    )
    def post(self, request):
        data = dict(validate_body(SegmentCreateInput, request))
        advertiser = advertiser_acting(
            user=request.user, advertiser_id=data.pop("advertiser_id", None)
        )
        segment = services.segment_create(advertiser=advertiser, **data)
        return ok(SegmentOutput(segment, context={"request": request}).data, status=201)


class SegmentDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="segments_retrieve",
        summary="Get a segment",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Segments out of scope answer 404.",
        responses={200: envelope(SegmentOutput)},
    )
    def get(self, request, segment_id: int):
        segment = _segment_for(request, segment_id)
        return ok(SegmentOutput(segment, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        operation_id="segments_update",
        summary="Update a segment",
        request=SegmentUpdateInput,
        responses={200: envelope(SegmentOutput)},
        description="Send only the fields to change.",
    )
    def put(self, request, segment_id: int):
        segment = _segment_for(request, segment_id)
        data = validate_body(SegmentUpdateInput, request, partial=True)
        segment = services.segment_update(segment=segment, **data)
        return ok(SegmentOutput(segment, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        operation_id="segments_partial_update",
        summary="Partially update a segment",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. The same as PUT: only `name` and `ttl_days` sent change.",
        request=SegmentUpdateInput,
        responses={200: envelope(SegmentOutput)},
    )
    def patch(self, request, segment_id: int):
        return self.put(request, segment_id)

    @extend_schema(
        tags=TAGS,
        operation_id="segments_destroy",
        summary="Delete a segment",
        responses={200: MessageOutput, 400: error_response(400)},
        description="A segment campaigns target, or an audience's, cannot be deleted (400).",
    )
    def delete(self, request, segment_id: int):
        services.segment_delete(segment=_segment_for(request, segment_id))
        return Response({"success": True, "message": "Segment deleted."})


def _seed(request, advertiser, seed_id):
    if seed_id is None:
        return None
    seed = selectors.segment_get(user=request.user, segment_id=seed_id)
    if seed is None or seed.advertiser_id != advertiser.pk:
        raise FieldValidationError(
            "seed_segment_id",
            "The seed must be one of this advertiser's segments.",
            code="unknown_segment",
        )
    return seed


class AudienceListApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_list",
        summary="List audiences",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Paginated, newest first; filter by `advertiser_id` and `type` "
        "(rules, list, lookalike). Each audience carries the segment it fills and its "
        "live size.",
        parameters=[AudienceListQuery],
        responses={200: envelope(AudienceOutput, many=True)},
    )
    def get(self, request):
        query = validate_query(AudienceListQuery, request)
        items, meta = paginate(
            request,
            selectors.audience_list(
                user=request.user,
                advertiser_id=query.get("advertiser_id"),
                audience_type=query.get("type"),
            ),
        )
        context = {
            "request": request,
            "stats": selectors.segment_stats_of([a.segment for a in items]),
        }
        return Response(
            {
                "success": True,
                "data": AudienceOutput(items, many=True, context=context).data,
                "pagination": meta,
            }
        )

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_create",
        summary="Create an audience",
        description="Admin, advertiser or partner, for the caller's advertiser or `advertiser_id` "
        "(admin, or partner for one it manages). Creates the audience and the segment "
        "it fills: rules over the advertiser's own campaigns, a list filled by "
        "uploads, or a lookalike of one of the advertiser's segments, which starts "
        "building in the background at once.",
        request=AudienceCreateInput,
        responses={201: envelope(AudienceOutput), 422: error_response(422)},
        examples=[
            OpenApiExample(
                "Rules: readers of the news sites who clicked",
                value={
                    "name": "Engaged news readers",
                    "type": "rules",
                    "rules": {
                        "lookback_days": 30,
                        "rules": [{"event": "click", "categories": ["news"]}],
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "Lookalike",
                value={
                    "name": "Like my buyers",
                    "type": "lookalike",
                    "seed_segment_id": 12,
                    "similarity_threshold": "0.6",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request):
        data = dict(validate_body(AudienceCreateInput, request))
        advertiser = advertiser_acting(
            user=request.user, advertiser_id=data.pop("advertiser_id", None)
        )
        seed = _seed(request, advertiser, data.pop("seed_segment_id", None))
        audience = services.audience_create(advertiser=advertiser, seed_segment=seed, **data)
        return ok(AudienceOutput(audience, context={"request": request}).data, status=201)


class AudienceDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_retrieve",
        summary="Get an audience",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. Audiences out of scope answer 404.",
        responses={200: envelope(AudienceOutput)},
    )
    def get(self, request, audience_id: int):
        audience = _audience_for(request, audience_id)
        return ok(AudienceOutput(audience, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_update",
        summary="Update an audience",
        request=AudienceUpdateInput,
        responses={200: envelope(AudienceOutput)},
        description="Send only the fields to change; a lookalike rebuilds when its seed or "
        "threshold changes.",
    )
    def put(self, request, audience_id: int):
        audience = _audience_for(request, audience_id)
        data = dict(validate_body(AudienceUpdateInput, request, partial=True))
        if "seed_segment_id" in data:
            data["seed_segment"] = _seed(request, audience.advertiser, data.pop("seed_segment_id"))
        audience = services.audience_update(audience=audience, **data)
        return ok(AudienceOutput(audience, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_partial_update",
        summary="Partially update an audience",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. The same as PUT: only the fields sent change, rules only on rule "
        "audiences, and a lookalike rebuilds in the background when its seed or "
        "threshold changes.",
        request=AudienceUpdateInput,
        responses={200: envelope(AudienceOutput)},
    )
    def patch(self, request, audience_id: int):
        return self.put(request, audience_id)

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_destroy",
        summary="Delete an audience",
        description="Admin, advertiser or partner (finance is read-only), within the same scope "
        "as reads. Deletes the audience and its segment with the segment's members; "
        "400 `segment_in_use` while a campaign targets that segment.",
        responses={200: MessageOutput, 400: error_response(400)},
    )
    def delete(self, request, audience_id: int):
        services.audience_delete(audience=_audience_for(request, audience_id))
        return Response({"success": True, "message": "Audience deleted."})


class AudienceRebuildApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_rebuild",
        summary="Rebuild a lookalike audience",
        request=None,
        responses={202: envelope(AudienceOutput), 400: error_response(400)},
        description="Build a lookalike audience again from its seed's members now.",
    )
    def post(self, request, audience_id: int):
        audience = _audience_for(request, audience_id)
        if audience.type != AudienceType.LOOKALIKE:
            raise FieldValidationError("type", "Only lookalike audiences are built.")
        services.lookalike_build_enqueue(audience)
        audience.refresh_from_db()
        return ok(AudienceOutput(audience, context={"request": request}).data, status=202)


class LookalikeEstimateApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_lookalike_estimate",
        summary="Estimate a lookalike audience",
        request=LookalikeEstimateInput,
        responses={200: envelope(LookalikeEstimateOutput), 422: error_response(422)},
        description="How many visitors a lookalike of the seed would hold at this threshold, "
        "estimated from a sample before building it.",
    )
    def post(self, request):
        data = validate_body(LookalikeEstimateInput, request)
        seed = selectors.segment_get(user=request.user, segment_id=data["seed_segment_id"])
        if seed is None:
            raise FieldValidationError(
                "seed_segment_id", "Segment not found.", code="unknown_segment"
            )
        estimate = lookalike_estimate(seed=seed, threshold=float(data["similarity_threshold"]))
        return ok(LookalikeEstimateOutput(estimate).data)


class AudienceUploadListApi(APIView):
    permission_classes = [CanUseCampaigns]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_uploads_list",
        summary="List an audience's uploads",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. The list uploads of one audience in scope, paginated, newest first, "
        "with their progress and counts.",
        responses={200: envelope(UploadOutput, many=True)},
    )
    def get(self, request, audience_id: int):
        audience = _audience_for(request, audience_id)
        items, meta = paginate(request, audience.uploads.all())
        return Response(
            {"success": True, "data": UploadOutput(items, many=True).data, "pagination": meta}
        )

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_uploads_create",
        summary="Upload a list to an audience",
        request={
            "multipart/form-data": UploadInput,
            "application/octet-stream": OpenApiTypes.BINARY,
        },
        parameters=[UploadQuery],
        responses={
            202: envelope(UploadOutput),
            413: error_response(413),
            422: error_response(422),
        },
        description="Upload a list of SHA-256 hex digests (of normalised e-mails or shared "
        'ids) to a list audience: CSV `id[,op]` or NDJSON `{"id", "op"}` with `op` add or '
        "remove, `mode` append or replace. Send it as a multipart form, or as the raw body "
        "(`Content-Type: text/csv`, `application/x-ndjson`, or `application/octet-stream` "
        "with `format`). The file is streamed to disk and processed in the background; poll "
        "the upload for progress and the rows rejected, with reasons.",
    )
    def post(self, request, audience_id: int):
        audience = _audience_for(request, audience_id)
        if audience.type != AudienceType.LIST:
            raise FieldValidationError(
                "type", "Only list audiences take uploads.", code="not_a_list_audience"
            )
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            form = validate_body(UploadInput, request)
            file = form["file"]
            fmt = form.get("format") or _format_of(file.name, file.content_type, default="csv")
            upload = upload_receive(
                audience=audience, chunks=file.chunks(CHUNK), fmt=fmt, mode=form["mode"]
            )
        else:
            query = validate_query(UploadQuery, request)
            fmt = query.get("format") or _format_of("", content_type)
            raw = request._request  # the body is streamed, never parsed whole
            upload = upload_receive(
                audience=audience,
                chunks=iter(lambda: raw.read(CHUNK), b""),
                fmt=fmt,
                mode=query["mode"],
            )
        upload.refresh_from_db()
        return ok(UploadOutput(upload).data, status=202)


def _format_of(name: str, content_type: str, default: str | None = None) -> str:
    name, content_type = (name or "").lower(), (content_type or "").lower()
    if name.endswith((".ndjson", ".jsonl")) or "ndjson" in content_type:
        return "ndjson"
    if name.endswith(".csv") or content_type in ("text/csv", "text/plain", ""):
        return "csv"
    if default:
        return default
    raise FieldValidationError(
        "format", "Send CSV or NDJSON (or name the format).", code="unsupported_format"
    )


class AudienceUploadDetailApi(APIView):
    permission_classes = [CanUseCampaigns]

    @extend_schema(
        tags=TAGS,
        operation_id="audiences_uploads_retrieve",
        summary="Get an audience upload",
        description="Admin, finance, advertiser or partner: admins and finance see every "
        "advertiser's, an advertiser its own, a partner those of the advertisers it "
        "manages. One upload of an audience in scope: its status, progress, and the "
        "rows rejected with their reasons.",
        responses={200: envelope(UploadOutput)},
    )
    def get(self, request, audience_id: int, upload_id: int):
        audience = _audience_for(request, audience_id)
        upload = selectors.upload_get(user=request.user, audience=audience, upload_id=upload_id)
        if upload is None:
            raise NotFoundError("Upload not found.")
        return ok(UploadOutput(upload).data)


# --- Consent ------------------------------------------------------------------------------


class CanUseConsent(HasRole):
    roles = (Role.ADMIN, Role.PUBLISHER)
    message = "Admins and publishers only."


def _website_for(request, website_id: int):
    from apps.inventory.selectors import website_get

    website = website_get(user=request.user, website_id=website_id)
    if website is None:
        raise NotFoundError("Website not found.")
    return website


class ConsentListApi(APIView):
    permission_classes = [CanUseConsent]

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="consent_list",
        summary="List consent records",
        parameters=[ConsentListQuery],
        responses={200: envelope(ConsentRecordOutput, many=True)},
        description="The consent ledger: admins see every record, publishers their websites'.",
    )
    def get(self, request):
        query = validate_query(ConsentListQuery, request)
        items, meta = paginate(
            request,
            selectors.consent_record_list(
                user=request.user,
                user_key=query.get("user_key", ""),
                website_id=query.get("website_id"),
                source=query.get("source", ""),
            ),
        )
        return Response(
            {
                "success": True,
                "data": ConsentRecordOutput(items, many=True).data,
                "pagination": meta,
            }
        )

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="consent_create",
        summary="Record a consent signal",
        request=ConsentCreateInput,
        responses={201: envelope(ConsentRecordOutput), 422: error_response(422)},
        description="Record a consent signal for a user key and website (a CMP's change, or "
        "a publisher's server); answers the decoded record. A malformed string is recorded "
        "as invalid (and means no consent).",
    )
    def post(self, request):
        from django.conf import settings
        from django.utils import timezone

        from apps.delivery.context import user_key_of

        data = validate_body(ConsentCreateInput, request)
        website = _website_for(request, data["website_id"])
        found = WebsiteConsentSettings.objects.filter(website=website).first()
        from .consent.policy import CmpSettings

        cmp = (
            CmpSettings(found.gdpr_applies, found.vendor_id, found.without_consent)
            if found
            else CmpSettings()
        )
        signals = ConsentSignals(
            gdpr=data.get("gdpr"),
            gdpr_consent=data.get("gdpr_consent", ""),
            us_privacy=data.get("us_privacy", ""),
            gpp=data.get("gpp", ""),
            gpp_sid=tuple(data.get("gpp_sid", ())),
            gpc=data.get("gpc", False),
        )
        country = data.get("country")
        decision = consent_decide(signals, cmp, country, default_vendor_id=settings.TCF_VENDOR_ID)
        key = data.get("user_key", "")
        if key and not _is_user_key(key):
            key = user_key_of(key)
        entry = LedgerEntry(
            source=ConsentSource.API,
            website_id=website.pk,
            gdpr=signals.gdpr,
            gdpr_consent=signals.gdpr_consent,
            us_privacy=signals.us_privacy,
            gpp=signals.gpp,
            gpp_sid=signals.gpp_sid,
            gpc=signals.gpc,
            gdpr_applies=decision.gdpr_applies,
            vendor_id=decision.vendor_id,
            user_key_allowed=decision.user_key,
            personalised=decision.personalised,
            measurement=decision.measurement,
        )
        record = ConsentRecord.objects.create(
            recorded_at=timezone.now(),
            source=ConsentSource.API,
            user_key=key,
            website_id=website.pk,
            country=country or "",
            **consent_record_fields(entry),
        )
        return ok(ConsentRecordOutput(record).data, status=201)


def _is_user_key(value: str) -> bool:
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)


class ConsentStatsApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="consent_stats",
        summary="Consent statistics by country",
        parameters=[OpenApiParameter("days", int, description="1-40, default 14")],
        responses={200: envelope(ConsentStatsRowOutput, many=True, paginated=False)},
        description="Requests where GDPR applied over the last days, by country, and the "
        "share with valid consent.",
    )
    def get(self, request):
        try:
            days = min(40, max(1, int(request.query_params.get("days", 14))))
        except ValueError:
            raise FieldValidationError("days", "Expected an integer.", location="query") from None
        rows = consent_stats(days=days)
        return ok(ConsentStatsRowOutput(rows, many=True).data)


class WebsiteConsentSettingsApi(APIView):
    permission_classes = [CanUseConsent]

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="websites_consent_settings_retrieve",
        summary="Get a website's consent settings",
        description="Admin or publisher (a publisher only for its own websites; others are 404). "
        "The website's CMP settings, or the defaults when none were saved.",
        responses={200: envelope(ConsentSettingsOutput)},
    )
    def get(self, request, website_id: int):
        website = _website_for(request, website_id)
        found = WebsiteConsentSettings.objects.filter(website=website).first()
        return ok(ConsentSettingsOutput(found or WebsiteConsentSettings(website=website)).data)

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="websites_consent_settings_update",
        summary="Update a website's consent settings",
        request=ConsentSettingsInput,
        responses={200: envelope(ConsentSettingsOutput), 422: error_response(422)},
        description="The website's CMP settings: where GDPR applies (by the visitor's country "
        "in the EU/EEA/UK, or always), the TCF vendor id consent must name, and what to "
        "serve without consent (contextual ads, or nothing). Send only what changes.",
    )
    def put(self, request, website_id: int):
        website = _website_for(request, website_id)
        data = validate_body(ConsentSettingsInput, request, partial=True)
        settings = services.consent_settings_update(website=website, **data)
        return ok(ConsentSettingsOutput(settings).data)

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="websites_consent_settings_partial_update",
        summary="Partially update a website's consent settings",
        description="Admin or publisher (a publisher only for its own websites). The same as PUT: "
        "only the settings sent change, and serving picks up the change.",
        request=ConsentSettingsInput,
        responses={200: envelope(ConsentSettingsOutput)},
    )
    def patch(self, request, website_id: int):
        return self.put(request, website_id)


# --- End-user privacy ---------------------------------------------------------------------


def _privacy_key(request, user_key: str) -> str:
    from apps.delivery.context import user_key_of, valid_visitor_id

    query = validate_query(PrivacyQuery, request)
    if not valid_visitor_id(user_key):
        raise FieldValidationError("user_key", "Not a user key.", location="path")
    if query["id_type"] == "visitor_id":
        return user_key_of(user_key)
    return user_key


class PrivacyUserApi(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="privacy_users_export",
        summary="Export a visitor's data",
        parameters=[PrivacyQuery],
        responses={200: dict},
        description="Everything held about a visitor's user key: segment memberships, consent "
        "records, frequency counters and raw impressions (logged).",
    )
    def get(self, request, user_key: str):
        return ok(privacy_export(user_key=_privacy_key(request, user_key), actor=request.user))

    @extend_schema(
        tags=CONSENT_TAGS,
        operation_id="privacy_users_erase",
        summary="Erase a visitor's data",
        parameters=[PrivacyQuery],
        responses={200: dict},
        description="Erase a visitor: memberships, consent records and frequency counters "
        "go, the key is removed from raw impressions; the erasure itself is logged.",
    )
    def delete(self, request, user_key: str):
        return ok(privacy_erase(user_key=_privacy_key(request, user_key), actor=request.user))
