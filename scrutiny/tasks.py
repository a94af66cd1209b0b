"""The scrutiny app's background tasks, where the scheduler (django-crontask)
finds them (it imports each app's ``tasks`` module)."""

from __future__ import annotations

from scrutiny.recommendations.tasks import send_recommendation_reminders_task

__all__ = ["send_recommendation_reminders_task"]
