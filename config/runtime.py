"""What a long-running app process does once it has started, before its first request.

Django and the app allocate several hundred thousand objects while starting (models,
URL patterns, templates, DRF serializers) that live as long as the process. Python's
cyclic garbage collector would otherwise scan them all again on each full collection,
which shows as pauses of tens of milliseconds in the slowest requests (the p95 of the
API list in docs/performance.md). ``gc.freeze()`` moves them into a generation the
collector no longer scans; objects made by requests are collected as before.
"""

import gc


def settle() -> None:
    """Load what the first request would load, then freeze it out of the collector's
    sight. Called by gunicorn's ``post_worker_init`` hook (config/gunicorn.py) and by
    ``manage.py bench``, so that the benchmark times what an app server runs."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view and serializer
    gc.collect()
    gc.freeze()
