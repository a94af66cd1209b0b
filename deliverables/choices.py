"""The values a deliverable's state and an update's review can take.

Kept apart from the models so that ``deliverables.rules`` (which the querysets use,
and which the models use through them) can name them without importing the models.
``deliverables.models`` imports them from here; import them from either.
"""

from django.db import models


class Status(models.TextChoices):
    """The lifecycle seen in real plans' updates."""

    FUTURE = "future", "Future"
    NOT_YET_COMMENCED = "not_yet_commenced", "Not yet commenced"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on_hold", "On hold"
    WILL_NOT_PROCEED = "will_not_proceed", "Will not proceed"
    MERGED = "merged", "Merged"
    SPLIT = "split", "Split"


class Rag(models.TextChoices):
    """The owner's judgement, kept apart from the status. Blank means not assessed."""

    GREEN = "green", "Green: on track"
    AMBER = "amber", "Amber: at risk"
    RED = "red", "Red: off track"


class ReviewState(models.TextChoices):
    """Where a progress update stands with review: the one enum of review decisions.

    An editor's decision (``UpdateReview.decision``) is ``ACCEPTED`` or ``RETURNED``;
    ``SUBMITTED`` is the state of an update still waiting for one, never stored as a
    decision.
    """

    SUBMITTED = "submitted", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    RETURNED = "returned", "Returned"


#: The decisions an editor can record on an update that waited for review.
DECISIONS = [(s.value, s.label) for s in (ReviewState.ACCEPTED, ReviewState.RETURNED)]
