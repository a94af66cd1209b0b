"""How an uploaded file is refused: one ``RowError`` per problem, raised together as
``ImportFailed``.

Their own small module so that both the file checks (``deliverables.uploads``) and the
importers (``deliverables.importing``, ``deliverables.returns``) can raise them without
importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one cell (row 1 is the header)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, column {self.column}: {self.message}"


class ImportFailed(Exception):
    """The file was refused; ``errors`` lists every problem found. Nothing was
    written.
    """

    def __init__(self, errors: Iterable[RowError]):
        self.errors = sorted(errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported.")
