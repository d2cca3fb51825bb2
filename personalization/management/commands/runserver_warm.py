"""Django's development server, warmed before it listens: the web process of `rundemo` (`make demo`).

It first builds and renders a preview of a sample viewer's homepage (`streamflix.wsgi.warm`, what
each gunicorn worker of `manage.py serve` does), so a tester's first page does not spend 1-3 s
loading the catalog snapshot, the model and the templates. Static files are served as by
`runserver` (django.contrib.staticfiles' version of it).
"""

from __future__ import annotations

import logging

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand


class Command(RunserverCommand):
    help = "runserver, after building one sample page so the first visitor's is fast."

    def inner_run(self, *args, **options):
        from streamflix.wsgi import warm

        warm(logging.getLogger("personalization.warm"))
        super().inner_run(*args, **options)
