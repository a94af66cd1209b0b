"""The benchmark behind `make bench` runs, so its figures can always be refreshed."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_api_benchmark_runs_and_writes_its_table(tmp_path):
    report = tmp_path / "performance.md"
    call_command(
        "bench_api",
        singles=2,
        bulks=1,
        lists=2,
        output=str(report),
        stdout=io.StringIO(),
    )
    text = report.read_text()
    assert "| single update POST, p50 |" in text
    assert "| bulk of 1,000 updates |" in text
    assert "| deliverables list, 100 items, p95 |" in text
