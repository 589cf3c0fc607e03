"""``gunicorn.conf.py``: the production server settings and their environment overrides."""

import re
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
def load(monkeypatch, tmp_path_factory):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # The file names a metrics directory in the environment: keep it this test's own.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path_factory.mktemp("metrics")))

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


def _access_line(logger_class, log_file: Path, access_log_format: str) -> str:
    import datetime

    from gunicorn.config import Config

    cfg = Config()
    cfg.set("accesslog", str(log_file))
    cfg.set("access_log_format", access_log_format)

    class Response:
        status = "200 OK"
        sent = 43
        headers = [("Content-Type", "image/gif"), ("X-Request-ID", "abc")]

    class Request:
        headers = [("HOST", "127.0.0.1"), ("X-REQUEST-ID", "abc")]

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": '/api/v1/track/impression/pixel?t=a"b',
        "PATH_INFO": "/api/v1/track/impression/pixel",
        "QUERY_STRING": 't=a"b',
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_USER_AGENT": 'Mozilla/5.0 "quoted"',
        "HTTP_REFERER": "https://news.example/",
    }
    logger = logger_class(cfg)
    logger.access(Response, Request, environ, datetime.timedelta(seconds=1, microseconds=2345))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text().splitlines()[-1]
    # The two lines may fall in different seconds.
    return re.sub(r"\[\d\d/\w+/\d{4}:[\d:]+ [+-]\d{4}\]", "[time]", line)


@pytest.mark.parametrize(
    "access_log_format",
    [
        None,  # gunicorn.conf.py's own
        "%(h)s %(r)s %(s)s %(b)s %(B)s %(m)s %(U)s %(q)s %(H)s %(T)s %(M)s %(L)s %(x)s",
        '%(h)s "%({x-request-id}i)s" %(D)s',  # a header atom: gunicorn's full set
    ],
)
def test_access_logger_writes_what_gunicorn_writes(load, tmp_path, access_log_format):
    from gunicorn.glogging import Logger

    conf = load()
    log_format = access_log_format or conf["access_log_format"]
    ours = _access_line(conf["AccessLogger"], tmp_path / "ours.log", log_format)
    theirs = _access_line(Logger, tmp_path / "theirs.log", log_format)
    # The same line, but for the client's address: its network only (no full address).
    assert ours.startswith("127.0.0.0 ")
    assert ours == "127.0.0.0 " + theirs.removeprefix("127.0.0.1 ")
    assert "1002345" in ours or "%(D)s" not in log_format


def test_addresses_are_logged_as_their_network(load):
    truncated = load()["address_truncated"]
    assert truncated("203.0.113.77") == "203.0.113.0"
    assert truncated("2001:db8:1234:5678::1") == "2001:db8:1234::"
    assert truncated("not an address") == "-"


def test_metrics_of_the_workers_are_summed_in_a_fresh_directory(load, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    (tmp_path / "counter_123.db").write_bytes(b"last run")
    load()
    assert not (tmp_path / "counter_123.db").exists()  # last run's figures are not added
