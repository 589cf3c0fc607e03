"""``gunicorn.conf.py``: the production server settings and their environment overrides."""

import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
VARIABLES = (
    "WEB_CONCURRENCY",
    "GUNICORN_WORKER_CLASS",
    "GUNICORN_THREADS",
    "GUNICORN_BIND",
    "PORT",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
    "GUNICORN_PRELOAD",
    "GUNICORN_ACCESS_LOG",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_TIMEOUT",
)


@pytest.fixture
def load(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def _load(**env: str) -> dict:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return _load


def test_defaults_follow_the_cpus(load):
    conf = load()
    assert conf["workers"] == max(2, conf["CPUS"] + 1)
    assert conf["worker_class"] == "gthread"
    assert conf["threads"] == 2
    assert conf["bind"] == ["0.0.0.0:8000"]
    assert conf["preload_app"] is True
    assert conf["keepalive"] == 5
    assert conf["timeout"] == 30
    assert conf["max_requests"] > 0
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["accesslog"] == "-"
    # The request time (microseconds) and the worker's pid end every access log line.
    assert conf["access_log_format"].endswith("%(D)s %(p)s")


def test_environment_overrides(load):
    conf = load(
        WEB_CONCURRENCY="5",
        GUNICORN_WORKER_CLASS="sync",
        GUNICORN_THREADS="8",
        GUNICORN_BIND="127.0.0.1:8090,unix:/tmp/x.sock",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_PRELOAD="false",
        GUNICORN_ACCESS_LOG="",
    )
    assert conf["workers"] == 5
    assert conf["worker_class"] == "sync"
    assert conf["threads"] == 1  # threads would turn sync workers into gthread ones
    assert conf["bind"] == ["127.0.0.1:8090", "unix:/tmp/x.sock"]
    assert conf["max_requests"] == 0
    assert conf["max_requests_jitter"] == 0
    assert conf["preload_app"] is False
    assert conf["accesslog"] is None


def test_empty_variables_mean_the_default(load):
    conf = load(GUNICORN_THREADS="", GUNICORN_KEEPALIVE=" ")
    assert conf["threads"] == 2
    assert conf["keepalive"] == 5


def test_port_alone_moves_the_bind(load):
    assert load(PORT="9000")["bind"] == ["0.0.0.0:9000"]
