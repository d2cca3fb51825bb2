"""gunicorn's server hooks (`--config python:streamflix.gunicorn_hooks`, set by `streamflix.workers`).

Imported by gunicorn's master before Django is set up: each hook imports what it needs when called.
"""


def post_worker_init(worker) -> None:
    """Each worker builds one page before it takes requests (`streamflix.wsgi.warm`): without it the
    first page a worker serves takes 1-3 s instead of tens of milliseconds."""
    from streamflix.wsgi import warm

    warm(worker.log)
