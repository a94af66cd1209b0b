"""The parts of a transfer that belong to apps above ``plans``.

``plans`` never imports deliverables or scrutiny, so each of those apps registers a
step here from its ``AppConfig.ready``. A step is called inside the transfer's
transaction, after the bodies are locked, as ``step(from_body, to_body, by=...,
dry_run=...)``; it moves its own rows (or, with ``dry_run``, only counts them) and
returns what it moved, for the transfer's summary: counts by name, and lists of
anything renamed, combined or left behind.
"""

from __future__ import annotations

from typing import Any, Protocol


class TransferStep(Protocol):
    def __call__(
        self, from_body: Any, to_body: Any, *, by: Any, dry_run: bool
    ) -> dict[str, Any]: ...


_steps: dict[str, TransferStep] = {}


def register_transfer_step(name: str, fn: TransferStep) -> None:
    """Add (or replace, by name) a step every transfer runs."""
    _steps[name] = fn


def transfer_steps() -> list[tuple[str, TransferStep]]:
    """The registered steps, in the order they were registered."""
    return list(_steps.items())
