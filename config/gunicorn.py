"""gunicorn settings for the app servers:
``gunicorn -c config/gunicorn.py config.wsgi``.

Each can be overridden on the command line or by ``GUNICORN_CMD_ARGS``.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# About two per core is usual; each uses one database connection while it answers.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
accesslog = "-"


def post_worker_init(worker) -> None:
    """Once a worker has loaded the app, freeze what start-up allocated out of the
    garbage collector's sight (see config/runtime.py). This runs after the fork and
    after the app is loaded in the worker; gunicorn's ``post_fork`` runs before the
    app is loaded, when there is little yet to freeze."""
    from config.runtime import settle

    settle()
