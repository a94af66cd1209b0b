"""The integration guide's examples run against a live server, so they cannot rot."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from deliverables.models import ProgressUpdate, Status
from plans.services import issue_api_client
from tests.factories import DeliverableFactory, UserFactory

GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"


def blocks(language):
    text = GUIDE.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture
def integration(live_server, transactional_db, current_plan, force):
    for n in range(3):
        DeliverableFactory(
            objective__priority__plan=current_plan,
            reference=f"3.1.{n}",
            lead_organisation=force,
            status=Status.IN_PROGRESS,
            forecast_date="Q4",
        )
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client, secret = issue_api_client(
        organisation=force,
        name="SOJP performance system",
        scopes=["read", "updates:write"],
        by=admin,
    )
    first = current_plan.deliverables.order_by("reference").first()
    return os.environ | {
        "BASE": live_server.url,
        "CLIENT_ID": client.application.client_id,
        "CLIENT_SECRET": secret,
        "DELIVERABLE": str(first.pk),
    }


def run(command, env):
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_guides_shell_examples_work(integration):
    script = "set -euo pipefail\n" + "\n".join(blocks("sh"))
    assert len(blocks("sh")) == 3
    output = run(["bash", "-c", script], integration)
    assert '"access_token"' in output
    assert '"reference":"3.1.0"' in output
    assert '"narrative":"Two of five posts filled."' in output
    # The example sends an Idempotency-Key: running it again writes nothing more.
    run(["bash", "-c", script], integration)
    assert (
        ProgressUpdate.objects.filter(narrative="Two of five posts filled.").count()
        == 1
    )


def test_the_guides_python_example_pushes_a_quarter(integration):
    (example,) = blocks("python")
    output = run([sys.executable, "-c", example], integration)
    assert output.strip() == "recorded 3"
    assert (
        ProgressUpdate.objects.filter(narrative="On track this quarter.").count() == 3
    )
