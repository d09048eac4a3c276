"""Import endpoints for integrations: upload a product file, poll the job, fetch the error report.

The upload is the raw file as the body (CSV or JSON Lines, gzip allowed); the
import runs on a worker (bulk queue) through the same code as the
``import_products`` command.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, UnsupportedMediaType, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from catalog.api.params import COMMON_PARAMS, check_query
from catalog.api.permissions import tenant_id_of
from catalog.api.serializers.errors import COMMON, NOT_FOUND, ErrorSerializer
from catalog.api.serializers.imports import ImportJobSerializer, import_job_body
from catalog.api.views.commands import CommandView
from catalog.commands.import_jobs import UploadTooLarge, import_job_create
from catalog.models import ImportJob

CONTENT_TYPES = {
    "text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl",
    "application/gzip": None,
}
FORMAT_PARAM = "file_format"
FORMAT_NEEDED = "Give file_format=csv or jsonl for a gzip body."
FORMAT_INVALID = "Must be csv or jsonl."
BODY_EMPTY = "The body is empty: send the file as the request body."
UPLOAD_TOO_LARGE = "The file is larger than {limit} bytes."
REPORT_NOT_READY = "The error report exists once the job has succeeded or failed."
REPORT_PURGED = ("The error report was deleted on {purged:%Y-%m-%d}: reports are kept {days:g} days"
                 " after their job ended (IMPORT_FILES_KEEP_DAYS).")
UNSUPPORTED = "Send the file as text/csv, application/x-ndjson or application/gzip."

JOB_ID = OpenApiParameter("job_id", OpenApiTypes.INT, OpenApiParameter.PATH)
FILE_FORMAT = OpenApiParameter(
    FORMAT_PARAM, {"type": "string", "enum": ["csv", "jsonl"]}, OpenApiParameter.QUERY,
    description="The file's format; needed for application/gzip, overrides the content type.")
BINARY = {"type": "string", "format": "binary"}


class FileTooLarge(APIException):
    """The upload exceeds settings.IMPORT_MAX_BYTES."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"


class ReportPurged(APIException):
    """The job's error report was deleted by the retention purge."""

    status_code = status.HTTP_410_GONE
    default_code = "report_deleted"


def _file_format(request: Request) -> str:
    check_query(request.query_params, allowed=COMMON_PARAMS | {FORMAT_PARAM})
    given = request.query_params.get(FORMAT_PARAM)
    if given is not None and given not in {"csv", "jsonl"}:
        raise ValidationError({FORMAT_PARAM: [FORMAT_INVALID]})
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type not in CONTENT_TYPES:
        raise UnsupportedMediaType(media_type, detail=UNSUPPORTED)
    file_format = given or CONTENT_TYPES[media_type]
    if file_format is None:
        raise ValidationError({FORMAT_PARAM: [FORMAT_NEEDED]})
    return file_format


def _job(request: Request, job_id: str) -> ImportJob:
    """Return the caller's job; another tenant's id is a 404 like a missing one."""
    check_query(request.query_params)
    if not job_id.isdigit() or len(job_id) > 18:
        raise NotFound()
    job = ImportJob.objects.for_tenant(tenant_id_of(request)).filter(pk=int(job_id)).first()
    if job is None:
        raise NotFound()
    return job


class ImportCreateView(CommandView):
    """Upload a product file to import."""

    @extend_schema(
        tags=["imports"], operation_id="imports_create", parameters=[FILE_FORMAT],
        request={"text/csv": BINARY, "application/x-ndjson": BINARY, "application/gzip": BINARY},
        responses={202: ImportJobSerializer,
                   413: OpenApiResponse(ErrorSerializer, description="The file is too large."),
                   415: OpenApiResponse(ErrorSerializer, description="Unsupported content type."),
                   **COMMON})
    def post(self, request: Request) -> Response:
        """Store the file and queue its import (upsert by SKU); poll the returned job."""
        file_format = _file_format(request)
        declared = request.META.get("CONTENT_LENGTH") or ""
        limit = settings.IMPORT_MAX_BYTES
        if declared.isdigit() and int(declared) > limit:
            raise FileTooLarge(UPLOAD_TOO_LARGE.format(limit=limit))
        body = request.stream
        if body is None or not declared or declared == "0":
            raise ValidationError({"body": [BODY_EMPTY]})
        try:
            job = import_job_create(tenant=self.tenant(request), body=body, file_format=file_format)
        except UploadTooLarge:
            raise FileTooLarge(UPLOAD_TOO_LARGE.format(limit=limit)) from None
        url = import_job_body(job, request)["url"]
        return Response(import_job_body(job, request), status=status.HTTP_202_ACCEPTED,
                        headers={"Location": url, "Cache-Control": "no-store"})


class ImportDetailView(CommandView):
    """One import job of the tenant."""

    @extend_schema(tags=["imports"], operation_id="imports_retrieve", parameters=[JOB_ID],
                   responses={200: ImportJobSerializer, 404: NOT_FOUND, **COMMON})
    def get(self, request: Request, job_id: str) -> Response:
        """Return the job's state (queued, running, succeeded, failed), progress and counts."""
        return Response(import_job_body(_job(request, job_id), request),
                        headers={"Cache-Control": "no-store"})


class ImportErrorsView(CommandView):
    """The error report of an import job."""

    @extend_schema(
        tags=["imports"], operation_id="imports_errors", parameters=[JOB_ID],
        responses={(200, "text/csv"): OpenApiResponse(
                       BINARY, description="CSV with the columns row, column, value, reason."),
                   404: NOT_FOUND,
                   410: OpenApiResponse(ErrorSerializer, description="The report was deleted after"
                                        " IMPORT_FILES_KEEP_DAYS days."),
                   **COMMON})
    def get(self, request: Request, job_id: str) -> FileResponse:
        """Return the rejected rows as CSV (row, column, value, reason)."""
        job = _job(request, job_id)
        if job.files_purged_at is not None:
            raise ReportPurged(REPORT_PURGED.format(purged=job.files_purged_at,
                                                    days=settings.IMPORT_FILES_KEEP_DAYS))
        if job.state not in {"succeeded", "failed"} or not os.path.exists(job.report_path):
            raise NotFound(REPORT_NOT_READY)
        response = FileResponse(open(job.report_path, "rb"), content_type="text/csv; charset=utf-8",  # noqa: SIM115
                                as_attachment=True, filename=f"import-{job.pk}-errors.csv")
        response["Cache-Control"] = "no-store"
        return response
