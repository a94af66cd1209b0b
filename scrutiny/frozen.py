"""What every published report shares, quarterly or annual: a version frozen once
published, and its PDF, drawn once and kept. Abstract: each kind of report is a model
of its own (``scrutiny.models``, ``scrutiny.annual.models``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from plans.querysets import PlanScopedQuerySet


class FrozenVersion(models.Model):
    """A version of a report as it was published, frozen: written once and never
    changed or removed; a correction is the next version and says what changed.
    A subclass defines its own ``Frozen`` exception and ``frozen_name`` (what the
    refusal calls it)."""

    version = models.PositiveSmallIntegerField(default=1)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    change_note = models.TextField(
        "what changed",
        blank=True,
        help_text="For a correction: what changed since the version before, and why.",
    )

    Frozen: type[Exception] = Exception
    frozen_name = "published report"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise self.Frozen(
                f"A {self.frozen_name} never changes: publish a correction instead."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.Frozen(
            f"A {self.frozen_name} is never deleted: publish a correction instead."
        )

    @property
    def is_correction(self) -> bool:
        return self.version > 1


class FrozenVersionQuerySet(PlanScopedQuerySet):
    """Published reports are frozen: bulk edits and deletes are refused."""

    def update(self, **kwargs):
        model: Any = self.model
        raise model.Frozen(
            f"A {model.frozen_name} never changes: publish a correction instead."
        )

    def delete(self):
        model: Any = self.model
        raise model.Frozen(
            f"A {model.frozen_name} is never deleted: publish a correction instead."
        )


class KeptPdfQuerySet(models.QuerySet):
    """A report's PDF is as frozen as the report: bulk edits and deletes are refused."""

    def update(self, **kwargs):
        raise self._frozen("A report's PDF never changes.")

    def delete(self):
        raise self._frozen("A report's PDF is never deleted.")

    @property
    def _frozen(self) -> type[Exception]:
        return getattr(self.model, "frozen", Exception)


class KeptPdf(models.Model):
    """A published report's PDF, drawn once from its stored HTML and kept: written
    once, when the file is stored, and never changed or removed. A subclass names
    its ``report`` (a one-to-one field), its ``file`` (where it is stored) and the
    exception its report raises when asked to change (``frozen``)."""

    size = models.PositiveIntegerField(help_text="The file's size in bytes.")
    rendered_at = models.DateTimeField(default=timezone.now)

    frozen: type[Exception] = Exception

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"PDF of {self.report}"  # type: ignore[attr-defined]

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise self.frozen("A report's PDF never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.frozen("A report's PDF is never deleted.")
