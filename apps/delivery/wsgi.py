"""The hot path's lane at the WSGI layer, in front of Django's handler.

``HotPathMiddleware`` already skips the middleware stack and URL resolution for serve and
tracking; this goes one step further for real servers (gunicorn, runserver): it builds the
request and calls the same dispatch without Django's handler plumbing and its per-request
``request_started``/``request_finished`` signals, which cost about as much as deciding an ad.
What those signals do for the hot path (recycling database connections, which it uses only
to build its index) happens here at most every ``CONNECTION_CHECK_SECONDS`` per thread.
Everything else goes to Django unchanged; so do ``debug=1`` requests.
"""

from __future__ import annotations

import threading
import time

from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import close_old_connections
from django.urls import set_script_prefix

from .middleware import hot_path_dispatch, hot_path_view

CONNECTION_CHECK_SECONDS = 5.0
_local = threading.local()


def _recycle_connections() -> None:
    now = time.monotonic()
    if now - getattr(_local, "checked", 0.0) >= CONNECTION_CHECK_SECONDS:
        _local.checked = now
        close_old_connections()


class HotPathApplication:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        found = hot_path_view(environ.get("PATH_INFO", ""))
        if found is None or "debug" in environ.get("QUERY_STRING", ""):
            return self.application(environ, start_response)
        _recycle_connections()
        set_script_prefix(get_script_name(environ))
        request = WSGIRequest(environ)
        response = hot_path_dispatch(request, *found)
        body = response.content
        headers = list(response.items())
        if not response.has_header("Content-Length"):
            headers.append(("Content-Length", str(len(body))))
        headers.extend(("Set-Cookie", c.OutputString()) for c in response.cookies.values())
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return [body]
