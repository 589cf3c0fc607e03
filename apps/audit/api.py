"""``GET /api/v1/audit-log``: every recorded change, for admins; JSON pages or CSV."""

from __future__ import annotations

import csv
import io
import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import IsAdmin
from apps.common.api import StrictInputSerializer, paginate, validate_query
from apps.common.schema import PaginationOutput, error_response

from . import selectors
from .registry import audited_model_names

CSV_MAX_ROWS = 50_000
CSV_COLUMNS = [
    "id",
    "timestamp",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "actor_id",
    "actor_email",
    "ip",
    "changes",
]


class AuditLogQuery(StrictInputSerializer):
    object_type = serializers.ChoiceField(
        choices=sorted(audited_model_names()), required=False, help_text="e.g. campaign, ad"
    )
    object_id = serializers.IntegerField(min_value=1, required=False)
    actor_id = serializers.IntegerField(min_value=1, required=False)
    action = serializers.ChoiceField(choices=sorted(selectors.ACTIONS), required=False)
    # ``from`` is a Python keyword: the field is declared below under its public name.
    to = serializers.DateField(required=False, help_text="Last day (UTC), inclusive.")
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, default="json")
    page = serializers.IntegerField(required=False, min_value=1)
    per_page = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"to": [serializers.ErrorDetail("Must not be before from.", code="invalid")]}
            )
        return attrs


AuditLogQuery._declared_fields["from"] = serializers.DateField(
    required=False, help_text="First day (UTC)."
)


class AuditEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=["create", "update", "delete", "access"])
    object_type = serializers.CharField()
    object_id = serializers.JSONField()
    object_repr = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_email = serializers.CharField(allow_null=True)
    ip = serializers.CharField(allow_null=True)
    changes = serializers.DictField(
        child=serializers.ListField(),
        help_text="field → [before, after]; secrets are ********.",
    )


class AuditLogPageOutput(serializers.Serializer):
    success = serializers.BooleanField()
    data = AuditEntryOutput(many=True)
    pagination = PaginationOutput()


class _QueryFormatNegotiation(DefaultContentNegotiation):
    """``?format=csv`` is this view's own parameter, not DRF's renderer override."""

    class settings:  # noqa: N801 - mirrors DRF's attribute name
        URL_FORMAT_OVERRIDE = None


def _csv_cell(value) -> str:
    if isinstance(value, dict):
        value = json.dumps(value, sort_keys=True, default=str)
    text = "" if value is None else str(value)
    # A spreadsheet must not run a cell as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class AuditLogApi(APIView):
    permission_classes = [IsAdmin]
    content_negotiation_class = _QueryFormatNegotiation

    @extend_schema(
        tags=["Audit log"],
        operation_id="audit_log_list",
        summary="The audit log",
        description="Admin only. Every create, update and delete of users, platform settings, "
        "publishers, websites, zones, advertisers, campaigns, ads, conversion goals, webhooks, "
        "wallets, invoices, payouts and partner credentials: who (`actor_id`, `actor_email`), "
        "from where (`ip`), when, and the before/after values (secrets as `********`). "
        "Newest first; filter by object, actor, action and UTC dates; `format=csv` answers "
        "the filtered entries as CSV (at most 50,000 rows).",
        parameters=[AuditLogQuery],
        responses={
            (200, "application/json"): AuditLogPageOutput,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV"),
            422: error_response(422),
        },
    )
    def get(self, request):
        query = validate_query(AuditLogQuery, request)
        entries = selectors.audit_entry_list(
            object_type=query.get("object_type"),
            object_id=query.get("object_id"),
            actor_id=query.get("actor_id"),
            action=query.get("action"),
            date_from=query.get("from"),
            date_to=query.get("to"),
        )
        if query["format"] == "csv":
            return self._csv(entries)
        items, meta = paginate(request, entries)
        data = [selectors.audit_entry_payload(entry) for entry in items]
        return Response({"success": True, "data": data, "pagination": meta})

    @staticmethod
    def _csv(entries) -> HttpResponse:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for entry in entries[:CSV_MAX_ROWS]:
            payload = selectors.audit_entry_payload(entry)
            writer.writerow([_csv_cell(payload[column]) for column in CSV_COLUMNS])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        response["Cache-Control"] = "no-store"
        return response
