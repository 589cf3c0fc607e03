"""List uploads: files of hashed ids, streamed to disk and processed in the background.

A row is the SHA-256 hex digest of a normalised e-mail address (trimmed, lower case) or of
an id the advertiser shares with the publisher's pages; a visitor whose ``uid`` is that
digest is a member. CSV rows are ``id[,op]`` (an optional header line naming ``id``); NDJSON
rows are ``{"id": "…", "op": "add"|"remove"}``; ``op`` defaults to ``add``. ``append`` applies
the rows; ``replace`` makes the segment exactly the added rows (members not refreshed by
the upload are trimmed at the end, so the segment is never empty meanwhile; ``remove`` rows
are refused). The file is read a line at a time, never whole; progress (bytes), accepted
and rejected rows and the first ``MAX_REPORTED_ERRORS`` bad rows with their reasons are
saved as it goes. Bad rows never stop the good ones.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from pathlib import Path

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.common.errors import ApiError

from .models import Audience, SegmentUpload, UploadFormat, UploadMode, UploadStatus

logger = logging.getLogger(__name__)
BATCH = 1000
CHUNK = 64 * 1024
MAX_LINE = 4096
MAX_REPORTED_ERRORS = 100
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


class UploadTooLargeError(ApiError):
    status_code = 413
    default_detail = "The file is larger than AUDIENCE_UPLOAD_MAX_BYTES."
    default_code = "payload_too_large"


def _path_for(upload_uuid) -> Path:
    directory = Path(settings.AUDIENCE_UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / f"{upload_uuid}.upload"


@transaction.atomic
def upload_receive(*, audience: Audience, chunks, fmt: str, mode: str) -> SegmentUpload:
    """Write the uploaded bytes (an iterable of chunks) to disk and queue processing."""
    upload = SegmentUpload(audience=audience, format=fmt, mode=mode)
    path = _path_for(upload.uuid)
    total = 0
    try:
        with path.open("wb") as out:
            for chunk in chunks:
                total += len(chunk)
                if total > settings.AUDIENCE_UPLOAD_MAX_BYTES:
                    raise UploadTooLargeError()
                out.write(chunk)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    upload.path = str(path)
    upload.bytes_total = total
    upload.save()
    transaction.on_commit(lambda: upload_enqueue(upload.pk))
    return upload


def upload_enqueue(upload_id: int) -> None:
    from .tasks import process_upload

    if settings.AUDIENCE_UPLOADS_IN_THREAD:
        import threading

        def run():
            from django.db import connection

            try:
                upload_process(upload_id)
            finally:
                connection.close()

        threading.Thread(target=run, name=f"upload-{upload_id}", daemon=True).start()
    else:
        process_upload.delay(upload_id)


def _row_of(line: str, fmt: str) -> tuple[str, str]:
    """(id, op) of a line; ValueError with the reason when the row is bad."""
    if fmt == UploadFormat.NDJSON:
        try:
            data = orjson.loads(line)
        except orjson.JSONDecodeError:
            raise ValueError("not a JSON object") from None
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        value, op = data.get("id"), data.get("op", "add")
        if not isinstance(value, str):
            raise ValueError("id must be a string")
    else:
        try:
            cells = next(csv.reader([line]))
        except csv.Error:  # e.g. a lone carriage return inside the line
            raise ValueError("not a CSV row") from None
        if not cells or len(cells) > 2:
            raise ValueError("expected id[,op]")
        value, op = cells[0], cells[1] if len(cells) == 2 else "add"
    op = (op or "add").strip().lower() if isinstance(op, str) else op
    if op not in ("add", "remove"):
        raise ValueError("op must be add or remove")
    value = value.strip().lower()
    if not _SHA256_RE.match(value):
        raise ValueError("id is not a SHA-256 hex digest")
    return value, op


def _lines(path: str):
    """(byte offset after the line, line text) for each line, reading in chunks."""
    with open(path, "rb") as source:
        pending = b""
        offset = 0
        while True:
            chunk = source.read(CHUNK)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                offset += len(raw) + 1
                yield offset, raw
            if len(pending) > MAX_LINE:  # a line without an end: report it, skip it
                offset += len(pending)
                yield offset, pending[: MAX_LINE + 1]
                pending = b""
        if pending:
            offset += len(pending)
            yield offset, pending


def upload_process(upload_id: int) -> SegmentUpload:
    """Apply an upload's rows to its segment (idempotent for a finished upload)."""
    from apps.delivery.context import user_key_of
    from apps.delivery.store import hot_store

    upload = SegmentUpload.objects.select_related("audience__segment").get(pk=upload_id)
    if upload.status in (UploadStatus.DONE, UploadStatus.FAILED):
        return upload
    segment = upload.audience.segment
    ttl = segment.ttl_seconds
    started = time.time()
    upload.status = UploadStatus.PROCESSING
    upload.started_at = timezone.now()
    upload.save(update_fields=["status", "started_at"])
    store = hot_store()
    adds: list[tuple[str, int, int]] = []
    removes: list[tuple[str, int]] = []
    errors: list[dict] = []
    counts = {"accepted": 0, "rejected": 0, "added": 0, "removed": 0}

    def flush(offset: int) -> None:
        if adds:
            store.segments_add(adds)
            counts["added"] += len(adds)
            adds.clear()
        if removes:
            store.segments_remove(removes)
            counts["removed"] += len(removes)
            removes.clear()
        SegmentUpload.objects.filter(pk=upload.pk).update(
            bytes_processed=offset,
            rows_accepted=counts["accepted"],
            rows_rejected=counts["rejected"],
            rows_added=counts["added"],
            rows_removed=counts["removed"],
            errors=errors,
        )

    offset = 0
    try:
        for number, (offset, raw) in enumerate(_lines(upload.path), start=1):
            line = raw.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
            if not line:
                continue
            if (
                number == 1
                and upload.format == UploadFormat.CSV
                and line.lower().startswith(("id", "hashed_id", "sha256"))
            ):
                continue  # a header
            try:
                if len(raw) > MAX_LINE:
                    raise ValueError("line too long")
                value, op = _row_of(line, upload.format)
                if op == "remove" and upload.mode == UploadMode.REPLACE:
                    raise ValueError("remove rows are not allowed in replace mode")
            except ValueError as exc:
                counts["rejected"] += 1
                if len(errors) < MAX_REPORTED_ERRORS:
                    errors.append({"line": number, "reason": str(exc), "value": line[:80]})
                continue
            counts["accepted"] += 1
            key = user_key_of(value)
            if op == "add":
                adds.append((key, segment.pk, ttl))
            else:
                removes.append((key, segment.pk))
            if len(adds) + len(removes) >= BATCH:
                flush(offset)
        flush(offset)
        if upload.mode == UploadMode.REPLACE:
            removed = store.segment_trim(segment.pk, expiring_before=started + ttl)
            counts["removed"] += removed
            flush(offset)
    except Exception as exc:
        logger.exception("Upload %s failed", upload.uuid)
        SegmentUpload.objects.filter(pk=upload.pk).update(
            status=UploadStatus.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        upload.refresh_from_db()
        return upload
    SegmentUpload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.DONE, bytes_processed=upload.bytes_total, finished_at=timezone.now()
    )
    from .services import segment_members_changed

    segment_members_changed(segment)
    Path(upload.path).unlink(missing_ok=True)
    upload.refresh_from_db()
    return upload
