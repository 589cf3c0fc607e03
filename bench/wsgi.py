"""The product's WSGI application, plus the trivial view the serve benchmark compares with.

    gunicorn -c gunicorn.conf.py bench.wsgi

``/bench/ping`` goes through Django's own handler with the product's settings and its whole
middleware stack; its URL is resolved in ``bench/urls.py``, named by a per-request URLconf
(``request.urlconf``, which Django's handler honours) that only this entry sets. Every other
request goes to ``adplatform.wsgi.application`` unchanged. So the product's settings and
URLconf stay as they are, and the serve figures themselves are taken against
``adplatform.wsgi`` (see ``bench/serve_bench.sh``).
"""

from django.core.handlers.wsgi import WSGIHandler, WSGIRequest

from adplatform.wsgi import application as product_application

PING_PATH = "/bench/ping"


class PingRequest(WSGIRequest):
    urlconf = "bench.urls"


class PingHandler(WSGIHandler):
    request_class = PingRequest


_ping = PingHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == PING_PATH:
        return _ping(environ, start_response)
    return product_application(environ, start_response)
