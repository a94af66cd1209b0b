from django.apps import AppConfig


class PerfConfig(AppConfig):
    """The developer-only performance tools (see the package docstring); installed
    only when DEBUG is true or PERF_TOOLS=true."""

    name = "tests.perf"
    label = "perf"
    verbose_name = "Performance tools (developers)"
