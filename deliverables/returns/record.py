"""Recording a return: its rows to record go to ``record_progress`` as one bulk
write, all or none, so a row is judged by exactly the rules the form and the API use.
A preview runs the same write and rolls it back. What the service refuses comes back
as ``ImportFailed``, by the workbook's rows and columns.
"""

from __future__ import annotations

from django.db import transaction

from core.actors import Writer
from deliverables.models import Deliverable, ProgressUpdate
from deliverables.returns.layout import FILE
from deliverables.returns.match import FilledReturn, ReturnRow, classify
from deliverables.services import ProgressRefused, record_progress
from deliverables.upload_errors import ImportFailed, RowError

#: The service's field names, and the column each one's problems belong to.
FIELD_COLUMNS = {
    "status": "new_status",
    "merged_into": "new_status",
    "rag": "new_rag",
    "percent_complete": "new_percent",
    "forecast_date": "new_forecast",
    "reason": "reason",
    "narrative": "narrative",
}


def _refused(filled: FilledReturn, refused: ProgressRefused) -> ImportFailed:
    """The service's problems, by position, as rows and columns of the workbook."""
    rows = filled.to_record
    errors: set[RowError] = set()
    for index, fields in refused.errors.items():
        number = rows[index].number
        for name, messages in fields.items():
            for message in messages:
                if name == "period":
                    errors.add(RowError(0, FILE, message))
                else:
                    key = FIELD_COLUMNS.get(name, "reference")
                    errors.add(RowError(number, filled.columns[key], message))
    return ImportFailed(errors)


class _DryRun(Exception):
    def __init__(self, updates: list[ProgressUpdate]):
        self.updates = updates


def preview_return(filled: FilledReturn, *, by: Writer) -> FilledReturn:
    """Check every row to record with the real service, inside a transaction that is
    rolled back, so the preview cannot differ from what recording does. Raises
    ImportFailed having written nothing."""
    rows = filled.to_record
    if not rows:
        return filled
    try:
        with transaction.atomic():
            raise _DryRun(_record(filled, rows, by=by))
    except _DryRun as run:
        for row, update in zip(rows, run.updates, strict=True):
            row.requires_review = update.requires_review
    return filled


@transaction.atomic
def record_return(filled: FilledReturn, *, by: Writer) -> list[ProgressUpdate]:
    """Record the workbook's updates, all or none, through ``record_progress``.

    The deliverables are locked first and each row judged again, so a workbook sent
    twice at once still records its rows only once. Raises ImportFailed having
    written nothing.
    """
    list(
        Deliverable.objects.select_for_update()
        .filter(pk__in=[row.deliverable.pk for row in filled.rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    classify(filled)
    rows = filled.to_record
    if not rows:
        return []
    updates = _record(filled, rows, by=by)
    for row, update in zip(rows, updates, strict=True):
        row.requires_review = update.requires_review
    return updates


def _record(
    filled: FilledReturn, rows: list[ReturnRow], *, by: Writer
) -> list[ProgressUpdate]:
    try:
        return record_progress(
            changes=[row.change(filled.period) for row in rows],
            by=by,
            source=ProgressUpdate.Source.IMPORT,
        )
    except ProgressRefused as refused:
        raise _refused(filled, refused) from refused
