"""gunicorn's production settings: ``gunicorn -c gunicorn.conf.py adplatform.wsgi``.

Every value can be overridden by an environment variable (below) or, as gunicorn allows, by
``GUNICORN_CMD_ARGS`` and command-line flags, which win over this file.

| variable | default | what |
| --- | --- | --- |
| ``GUNICORN_BIND`` (or ``PORT``) | ``0.0.0.0:8000`` | address(es) to listen on, comma-separated |
| ``WEB_CONCURRENCY`` | CPUs + 1 (at least 2) | worker processes |
| ``GUNICORN_WORKER_CLASS`` | ``gthread`` | ``gthread`` (keep-alive) or ``sync`` |
| ``GUNICORN_THREADS`` | 2 | threads per worker (gthread) |
| ``GUNICORN_TIMEOUT`` | 30 | seconds a silent worker lives before it is killed |
| ``GUNICORN_GRACEFUL_TIMEOUT`` | 30 | seconds to finish requests on restart or shutdown |
| ``GUNICORN_KEEPALIVE`` | 5 | seconds an idle keep-alive connection is kept (gthread) |
| ``GUNICORN_MAX_REQUESTS`` | 1000000 | requests before a worker is replaced (0: never) |
| ``GUNICORN_MAX_REQUESTS_JITTER`` | 10% of it | random extra so workers are not replaced together |
| ``GUNICORN_PRELOAD`` | ``true`` | import the app once in the master, then fork |
| ``GUNICORN_ACCESS_LOG`` | ``-`` (stdout) | access log file; empty switches it off |
| ``GUNICORN_ERROR_LOG`` | ``-`` (stderr) | error log file |
| ``GUNICORN_LOG_LEVEL`` | ``info`` | error log level |
| ``GUNICORN_BACKLOG`` | 2048 | pending connections the kernel queues |
| ``GUNICORN_WORKER_TMP_DIR`` | ``/dev/shm`` when present | where worker heartbeat files go |
| ``GUNICORN_CONTROL_SOCKET`` | ``false`` | gunicorn's control socket (one path per host user) |

An empty variable means its default.

The shape was measured on a 2-core machine (``bench/RESULTS.md``, "Server shapes").
"""

from __future__ import annotations

import math
import os
import re
import time

from gunicorn.glogging import Logger


def _cpu_count() -> int:
    """CPUs this process may use: the cgroup quota (containers) or the affinity mask."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:
        count = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as quota_file:
            quota, period = quota_file.read().split()
        if quota != "max":
            count = min(count, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return value in {"1", "true", "yes", "on"}


CPUS = _cpu_count()

# Prometheus: the workers' metrics are summed through files in one directory (prometheus-
# client's multi-process mode); it must be named before the app imports the library, and it
# starts empty so a restarted server does not add up last run's figures.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="adp-metrics-")
else:
    for _stale in os.scandir(os.environ["PROMETHEUS_MULTIPROC_DIR"]):
        if _stale.name.endswith(".db"):
            os.unlink(_stale.path)

# --- Socket -----------------------------------------------------------------------------
bind = [
    address.strip()
    for address in (
        os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
    ).split(",")
    if address.strip()
]
backlog = _env_int("GUNICORN_BACKLOG", 2048)

# --- Workers ----------------------------------------------------------------------------
worker_class = os.environ.get("GUNICORN_WORKER_CLASS") or "gthread"
workers = _env_int("WEB_CONCURRENCY", max(2, CPUS + 1))
threads = _env_int("GUNICORN_THREADS", 2) if worker_class == "gthread" else 1
timeout = _env_int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)
# Replacing workers bounds a slow leak, but each new worker rebuilds its inventory index from
# PostgreSQL (and cannot while PostgreSQL is down), so replacements stay rare: at 1,300
# requests/s per worker (4,000/s on 3 workers) one is replaced about every 12 minutes.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 1_000_000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", max_requests // 10)

# Importing Django and every app once in the master saves each worker that import (1.5 s or
# so of CPU here, again at each max_requests replacement) and shares the memory. Nothing that
# must not cross a fork exists at import: database and Redis connections, the inventory
# index and the in-process drain/billing threads all start lazily in each worker, and
# pre_fork below closes any database connection an import opened and reports any thread.
preload_app = _env_bool("GUNICORN_PRELOAD", True)

# The heartbeat file on a RAM disk: a worker never blocks on disk to say it is alive.
_RAM_DISK = "/dev/shm"  # noqa: S108 (gunicorn makes its heartbeat file there with mkstemp)
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or (
    _RAM_DISK if os.path.isdir(_RAM_DISK) else None
)

# --- Logging ----------------------------------------------------------------------------
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG") or "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL") or "info"
# The combined log format plus the request time in microseconds (%(D)s) and the worker pid.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s %(p)s'


def address_truncated(address: str) -> str:
    """A client address as logs keep it: the network, not the host (IPv4 /24, IPv6 /48)."""
    import ipaddress

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "-"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


class _Atoms(dict):
    def __missing__(self, key):
        return "-"


def _quoted(value):
    return value.replace('"', '\\"') if isinstance(value, str) else value


class AccessLogger(Logger):
    """gunicorn's logger, building only the access-log atoms the format names, and writing
    client addresses truncated to their network (logs keep no full address).

    gunicorn's own builds every atom for every request (each request and response header, the
    whole WSGI environ, a strftime) and wraps them in a dictionary that escapes each one, to
    fill the handful a format uses: about 40 % of the cost of an access-log line. The lines
    written are the same (quotes in what the client sent are escaped); a format that names a
    header or environ atom (``%({x-request-id}i)s``...) gets gunicorn's full set.
    """

    SIMPLE_ATOMS = frozenset("hlutrsmUqHbBfaTDMLp")  # one letter each

    def setup(self, cfg):
        super().setup(cfg)
        names = set(re.findall(r"%\(([^)]*)\)s", cfg.access_log_format or ""))
        self._simple = names <= self.SIMPLE_ATOMS
        self._second = -1
        self._now = ""

    def now(self):
        second = int(time.time())
        if second != self._second:
            self._second, self._now = second, super().now()
        return self._now

    def access(self, resp, req, environ, request_time):
        if not self._simple:
            return super().access(resp, req, environ, request_time)
        if not self.access_log_enabled:
            return None
        try:
            atoms = _Atoms(self.atoms(resp, req, environ, request_time))
            self.access_log.info(self.cfg.access_log_format, atoms)
        except Exception:
            self.exception("Access log line failed")
        return None

    def atoms(self, resp, req, environ, request_time):
        if not self._simple:
            atoms = super().atoms(resp, req, environ, request_time)
            atoms["h"] = address_truncated(environ.get("REMOTE_ADDR", "-"))
            return atoms
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        method, protocol = environ["REQUEST_METHOD"], environ.get("SERVER_PROTOCOL")
        micros = request_time.seconds * 1_000_000 + request_time.microseconds
        return {
            "h": address_truncated(environ.get("REMOTE_ADDR", "-")),
            "l": "-",
            "u": _quoted(self._get_user(environ) or "-"),
            "t": self.now(),
            "r": _quoted(f"{method} {environ['RAW_URI']} {protocol}"),
            "s": status,
            "m": method,
            "U": _quoted(environ.get("PATH_INFO")),
            "q": _quoted(environ.get("QUERY_STRING")),
            "H": protocol,
            "b": str(sent) if sent is not None else "-",
            "B": sent,
            "f": _quoted(environ.get("HTTP_REFERER", "-")),
            "a": _quoted(environ.get("HTTP_USER_AGENT", "-")),
            "T": request_time.seconds,
            "D": micros,
            "M": micros // 1000,
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "p": f"<{os.getpid()}>",
        }


logger_class = AccessLogger

# Several gunicorns on one host would otherwise share ~/.gunicorn/gunicorn.ctl.
control_socket_disable = not _env_bool("GUNICORN_CONTROL_SOCKET", False)


def pre_fork(server, worker):
    """With preload_app the master must hold nothing a worker would share.

    Database connections are closed here, in their owner, rather than in each child (a child
    closing an inherited connection would end the session for every process holding it);
    Redis clients reconnect by themselves in a new process. A thread started at import would
    not survive the fork: that is a bug to fix where it starts, so it is reported.
    """
    if not preload_app:
        return
    import threading

    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
    extra = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if extra:
        server.log.warning("Threads running in the master before fork: %s", ", ".join(extra))


_SAMPLE_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
)


def when_ready(server):
    """With preload_app, build in the master what every worker would build on its first request.

    The User-Agent parser and crawler patterns compile on first use (about half a second of
    CPU) and the bundled GeoIP database loads (about 0.1 s); done here, once, the workers
    inherit them through the fork, also when max_requests replaces one. They are plain Python
    objects: no thread, socket or connection is created.
    """
    if not preload_app:
        return
    try:
        from apps.delivery.context import geolocate, parse_user_agent

        for agent in _SAMPLE_AGENTS:
            parse_user_agent(agent)
        geolocate("8.8.8.8")
    except Exception:
        server.log.warning("Could not warm the request context parsers in the master")


def child_exit(server, worker):
    """A worker is gone: its live gauges stop counting (Prometheus multi-process mode)."""
    try:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
    except Exception:
        server.log.warning("Could not retire worker %s's metrics", worker.pid)


def post_worker_init(worker):
    """Build the worker's inventory index before it accepts requests (best effort)."""
    try:
        from apps.delivery.index import current_index

        current_index()
    except Exception:
        worker.log.warning("Inventory index not built at start; the first request builds it")
