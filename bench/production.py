"""What the Python benchmarks share: the production shape's environment and server command.

Every benchmark starts what the README's "Production shape" tells an operator to start:
``adplatform.settings.production`` and ``gunicorn -c gunicorn.conf.py adplatform.wsgi``, with
only what an operator sets (a secret key, allowed hosts, the database and Redis URLs, the bind
address and log files) plus ``TRUSTED_PROXIES=127.0.0.1``, because wrk plays a proxy in front
that passes many visitors' addresses. Settings that would make a figure the benchmark's rather
than the product's are dropped from the environment (``NOT_PRODUCTION``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PY = str(BIN / "python")
NOT_PRODUCTION = ("EVENT_DRAIN_IN_PROCESS", "RATELIMIT_ENABLE", "RATELIMIT_PUBLIC")


def log(prefix: str, message: str) -> None:
    print(f"[{prefix}] {message}", file=sys.stderr, flush=True)


def product_env(work: Path, port: int, *, prefix: str = "bench") -> dict:
    """The environment of the production shape (README "Production shape") on loopback."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_PRODUCTION}
    for name in NOT_PRODUCTION:
        if name in os.environ:
            log(prefix, f"ignoring {name}={os.environ[name]}: the benchmark measures the default")
    env.update(
        DJANGO_SETTINGS_MODULE="adplatform.settings.production",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", f"{prefix}-" + "k" * 48),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # wrk plays a proxy in front of gunicorn that passes many visitors' addresses.
        TRUSTED_PROXIES="127.0.0.1",
        PYTHONPATH=str(ROOT),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_ACCESS_LOG=str(work / "access.log"),
        GUNICORN_ERROR_LOG=str(work / "gunicorn.err"),
    )
    return env


def manage(env: dict, *args: str) -> str:
    return subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def ensure_database(url: str, *, prefix: str = "bench") -> None:
    """Create the PostgreSQL database of ``url`` when it does not exist yet."""
    import environ
    import psycopg
    from psycopg import sql

    cfg = environ.Env.db_url_config(url)
    if "postgresql" not in cfg["ENGINE"]:
        return
    params = {
        "host": cfg.get("HOST") or None,
        "port": cfg.get("PORT") or None,
        "user": cfg.get("USER") or None,
        "password": cfg.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if not found.fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            log(prefix, f"created database {cfg['NAME']}")


def django_setup(env: dict) -> None:
    """Django in this process, configured as the servers are."""
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"):
        os.environ[name] = env[name]
    for name in NOT_PRODUCTION:
        os.environ.pop(name, None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def server_shape(env: dict) -> dict:
    """gunicorn's resolved settings for this environment (``--print-config``)."""
    out = subprocess.run(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--print-config", "adplatform.wsgi"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    wanted = ("workers", "worker_class", "threads", "keepalive", "preload_app", "max_requests")
    shape = {}
    for line in out.splitlines():
        name, _, value = line.partition("=")
        if name.strip() in wanted:
            shape[name.strip()] = value.strip()
    return shape


def start_gunicorn(env: dict) -> subprocess.Popen:
    """The production command: ``gunicorn -c gunicorn.conf.py adplatform.wsgi``."""
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "adplatform.wsgi"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
