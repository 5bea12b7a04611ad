"""The /api/v1/ endpoints. Each finds what the caller may see (`visible_to`, 404 otherwise), then
reads through api/reading.py or writes through api/writing.py, which call the pages' own functions."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from cutover.access import get_migration_for_user
from cutover.timeline import local_today
from dashboard.access import require_importer
from dashboard.models import ImportBatch
from dashboard.rag import RAG_LABELS
from dashboard.stages import STAGES
from lifecycle.annotations import SIGN_OFF_FILTERS
from systems import third_party

from . import reading, writing
from .audit import api_write_record
from .problems import PROBLEM_CONTENT_TYPE
from .serializers import (
    ImportBatchSerializer,
    MigrationSerializer,
    ProblemSerializer,
    ReentryCountsSerializer,
    ReminderSummarySerializer,
    SummarySerializer,
    SystemStateSerializer,
    SystemStepSerializer,
    TaskSerializer,
    TaskStatusSerializer,
)


def problems(*codes: int) -> dict:
    return {(code, PROBLEM_CONTENT_TYPE): ProblemSerializer for code in (401, 429, *codes)}


FILTER_PARAMETERS = [
    OpenApiParameter("q", str, description="Part of the practice's name or ODS code."),
    OpenApiParameter("icb", int, description="An ICB's id (one of yours)."),
    OpenApiParameter("partner", int, description="An IT delivery partner's id (one of yours)."),
    OpenApiParameter(
        "suppliers", str, pattern=r"^[0-9]+-[0-9]+$", description="Current and new supplier ids, as '3-5'."
    ),
    OpenApiParameter("stage", str, enum=[stage.key for stage in STAGES]),
    OpenApiParameter("rag", str, enum=list(RAG_LABELS)),
    OpenApiParameter("sign_off", str, enum=list(SIGN_OFF_FILTERS), description="Migrations by their sign-offs."),
    *(
        OpenApiParameter(name, OpenApiTypes.DATE, description=description)
        for name, description in [
            ("fdp_from", "FDP on or after this day."),
            ("fdp_to", "FDP on or before this day."),
            ("go_live_from", "Go-live on or after this day."),
            ("go_live_to", "Go-live on or before this day."),
        ]
    ),
]


class ApiCursorPagination(CursorPagination):
    page_size = None  # settings.API_PAGE_SIZE, read per request so tests may change it
    ordering = "pk"

    def get_page_size(self, request):
        return settings.API_PAGE_SIZE

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception:  # DRF answers 404 for a cursor it cannot read; it is bad input, not a missing page
            raise ValidationError({"cursor": ["This cursor is not valid: start again from the first page."]}) from None


class TaskCursorPagination(ApiCursorPagination):
    ordering = ("due_date", "position", "pk")


class ImportCursorPagination(ApiCursorPagination):
    ordering = ("-uploaded_at", "-pk")


class AuditedMixin:
    # Keeps an ApiWrite row for every write request, answered or refused. (A comment, not a
    # docstring: drf-spectacular would print a docstring as every operation's description.)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in SAFE_METHODS:
            api_write_record(request=request, status_code=response.status_code)
        return response


class MigrationList(AuditedMixin, generics.ListAPIView):
    serializer_class = MigrationSerializer
    pagination_class = ApiCursorPagination

    def get_queryset(self):
        # The browsable page asks for this too, so it is where the filters are read.
        reading.check_query(self.request.query_params, allowed=[*reading.FILTERS, "cursor"])
        self.today = local_today()
        return reading.migrations_filtered(user=self.request.user, params=self.request.query_params, today=self.today)

    @extend_schema(
        summary="Your migrations, as the dashboard shows them",
        parameters=FILTER_PARAMETERS,
        responses={200: MigrationSerializer(many=True), **problems(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([reading.migration_data(m, self.today) for m in page])


class MigrationSummary(AuditedMixin, APIView):
    @extend_schema(
        summary="The dashboard's counts for the migrations the filters select",
        parameters=FILTER_PARAMETERS,
        responses={200: SummarySerializer, **problems(400)},
    )
    def get(self, request):
        reading.check_query(request.query_params, allowed=reading.FILTERS)
        qs = reading.migrations_filtered(user=request.user, params=request.query_params, today=local_today())
        return Response(SummarySerializer(reading.summary_data(qs)).data)


def _migration(request, pk: int):
    return get_migration_for_user(request, pk)


class MigrationDetail(AuditedMixin, APIView):
    @extend_schema(summary="One migration", responses={200: MigrationSerializer, **problems(400, 404)})
    def get(self, request, pk: int):
        reading.check_query(request.query_params, allowed=[])
        today = local_today()
        qs = reading.migrations_filtered(user=request.user, params={}, today=today)
        migration = get_object_or_404(qs, pk=pk)
        return Response(MigrationSerializer(reading.migration_data(migration, today)).data)


class TaskList(AuditedMixin, generics.ListAPIView):
    serializer_class = TaskSerializer
    pagination_class = TaskCursorPagination

    def get_queryset(self):
        reading.check_query(self.request.query_params, allowed=["cursor"])
        return reading.tasks_of(_migration(self.request, self.kwargs["pk"]))

    @extend_schema(
        summary="A migration's tasks, by due date",
        responses={200: TaskSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request, pk: int):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TaskSerializer(page, many=True).data)


class TaskDetail(AuditedMixin, APIView):
    @extend_schema(summary="One task", responses={200: TaskSerializer, **problems(400, 404)})
    def get(self, request, pk: int, task_pk: int):
        reading.check_query(request.query_params, allowed=[])
        task = get_object_or_404(reading.tasks_of(_migration(request, pk)), pk=task_pk)
        return Response(TaskSerializer(task).data)


class TaskStatus(AuditedMixin, APIView):
    @extend_schema(
        summary="Tick or untick a task (practice members)",
        description=(
            "Send the `version` you read: if the task changed since, nothing is saved and the answer is a 409 "
            "with its current version. The change is recorded in the task's history under your name."
        ),
        request=TaskStatusSerializer,
        responses={200: TaskSerializer, **problems(400, 403, 404, 409, 415)},
    )
    def post(self, request, pk: int, task_pk: int):
        migration = _migration(request, pk)
        task = get_object_or_404(reading.tasks_of(migration), pk=task_pk)
        writing.task_status_change(user=request.user, migration=migration, task=task, read_body=lambda: request.data)
        return Response(TaskSerializer(reading.tasks_of(migration).get(pk=task.pk)).data)


class SystemList(AuditedMixin, APIView):
    @extend_schema(
        summary="A migration's linked systems and where each stands",
        responses={200: SystemStateSerializer(many=True), **problems(400, 404)},
    )
    def get(self, request, pk: int):
        reading.check_query(request.query_params, allowed=[])
        states = third_party.third_party_states(_migration(request, pk))
        return Response(SystemStateSerializer(states, many=True).data)


class SystemStep(AuditedMixin, APIView):
    @extend_schema(
        summary="Record a linked system's step, or take one back (practice members)",
        request=SystemStepSerializer,
        responses={200: SystemStateSerializer, **problems(400, 403, 404, 409, 415)},
    )
    def post(self, request, pk: int, system_pk: int):
        migration = _migration(request, pk)
        state = writing.system_step_change(
            user=request.user, migration=migration, system_pk=system_pk, read_body=lambda: request.data
        )
        return Response(SystemStateSerializer(state).data)


class ReminderSummary(AuditedMixin, APIView):
    @extend_schema(
        summary="The migration's reminder emails, counted by kind and state",
        responses={200: ReminderSummarySerializer(many=True), **problems(400, 404)},
    )
    def get(self, request, pk: int):
        reading.check_query(request.query_params, allowed=[])
        return Response(ReminderSummarySerializer(reading.reminder_summary(_migration(request, pk)), many=True).data)


class ReentryCounts(AuditedMixin, APIView):
    @extend_schema(
        summary="The re-entry log, as counts only",
        description="Never an entry or a patient: how many were recorded, re-entered, still to do and voided.",
        responses={200: ReentryCountsSerializer, **problems(400, 404)},
    )
    def get(self, request, pk: int):
        reading.check_query(request.query_params, allowed=[])
        return Response(ReentryCountsSerializer(reading.reentry_data(_migration(request, pk))).data)


class ImportList(AuditedMixin, generics.ListAPIView):
    serializer_class = ImportBatchSerializer
    pagination_class = ImportCursorPagination

    def get_queryset(self):
        reading.check_query(self.request.query_params, allowed=["cursor"])
        batches = ImportBatch.objects.filter(organisation__in=require_importer(self.request))
        return batches.select_related("organisation").defer("content")

    @extend_schema(
        summary="Wave imports of your ICB or delivery partner, newest first",
        responses={200: ImportBatchSerializer(many=True), **problems(400, 403)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ImportBatchSerializer(page, many=True).data)


class ImportDetail(AuditedMixin, APIView):
    @extend_schema(summary="One wave import", responses={200: ImportBatchSerializer, **problems(400, 403, 404)})
    def get(self, request, pk: int):
        reading.check_query(request.query_params, allowed=[])
        batches = ImportBatch.objects.filter(organisation__in=require_importer(request))
        batch = get_object_or_404(batches.select_related("organisation").defer("content"), pk=pk)
        return Response(ImportBatchSerializer(batch).data)
