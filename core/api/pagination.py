"""Cursor pagination: stable pages for incremental sync, whatever is written
meanwhile."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "id"

    def get_page_size(self, request):
        """The page size asked for, refused with 400 unless it is 1 to 1,000.

        DRF's own quietly falls back to the default for a size it cannot read, which
        hides a client's mistake behind a page of the wrong length. Left empty, as a
        form would send it, it means the default.
        """
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or not (
            1 <= int(raw) <= self.max_page_size
        ):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Give a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Results per page: 1 to {self.max_page_size} "
                    f"(default {self.page_size})."
                )
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters
