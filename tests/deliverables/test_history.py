"""A deliverable's history of edits in words: field labels, choice labels ("In
progress" → "Completed"), people's names and dates as the service shows them, at a
cost that does not grow with the number of edits."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.history import attribute_to
from deliverables.models import Rag, Status
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def detail(client, deliverable):
    return client.get(reverse("deliverables:detail", args=[deliverable.pk]))


def test_the_history_shows_labels_choices_names_and_dates_not_codes(
    client, editor, led
):
    led.rag = Rag.AMBER
    attribute_to(led, by=editor).save()
    led.status, led.rag = Status.COMPLETED, Rag.GREEN
    led.lead_user = editor
    led.completed_on = datetime.date(2026, 3, 3)
    attribute_to(led, by=editor).save()

    client.force_login(editor)
    page = detail(client, led).content.decode()

    assert "Status: In progress → Completed" in page
    assert "RAG: Amber: at risk → Green: on track" in page
    assert "RAG: (blank) → Amber: at risk" in page
    assert "Named lead: (blank) → Erin Editor" in page
    assert "Completed on: (blank) → 3 March 2026" in page
    assert "in_progress" not in page
    assert "amber →" not in page and "→ green" not in page


def _history_queries(client, deliverable) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = detail(client, deliverable)
    assert response.status_code == 200
    return len(captured)


def test_the_history_costs_the_same_queries_for_many_edits_as_for_few(
    client, editor, led
):
    client.force_login(editor)
    led.lead_user = UserFactory(username="lead0")
    attribute_to(led, by=editor).save()
    few = _history_queries(client, led)
    for n in range(1, 11):
        led.lead_user = UserFactory(
            username=f"lead{n}", first_name="Lead", last_name=str(n)
        )
        attribute_to(led, by=editor).save()
    many = _history_queries(client, led)

    assert many == few
    assert "Named lead: Lead 9 → Lead 10<" in detail(client, led).content.decode()
