"""Performance tools for developers: not part of the product.

``tests.perf.scale`` generates national- and stress-size data
(``manage.py seed_scale``),
and ``manage.py bench`` and ``manage.py bench_api`` time the pages and the API on it,
``bench`` beside each measure's SQL floor (the same answer from one hand-written
query). ``make bench`` runs them on a fresh PostgreSQL database and writes the table
into docs/performance.md.

It lives with the tests, as a developer's tool beside the proofs, and is a Django app
(label ``perf``) only so that its commands run through ``manage.py``. Production
settings leave it out: ``config/settings.py`` installs it only when ``DEBUG`` is true
or the environment sets ``PERF_TOOLS=true``. No app of the product may import it.
"""
