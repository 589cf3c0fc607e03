#!/usr/bin/env bash
# Serve benchmark: real HTTP load with wrk against the production server settings on loopback.
#
# For each inventory size (100 and 10,000 active ads): seed with `bench_seed`, start
# `gunicorn -c gunicorn.conf.py adplatform.wsgi` (the production command, with the production
# settings module) on 127.0.0.1:8099, warm every zone, then run wrk against
# GET /api/v1/serve/{zone} (rotating over the zones, desktop Chrome, country=US, many client
# addresses in X-Forwarded-For as a proxy in front would pass them). Then the same server
# command serves `bench.wsgi` (the product's application plus the trivial /bench/ping view,
# see bench/wsgi.py) and wrk loads /bench/ping the same way. Queries per warm decision come
# from bench/count_queries.py.
# Results: bench/results/serve-<timestamp>.json and a markdown table on stdout.
#
# Embedded by default (SQLite in bench/bench.sqlite3 + the database cache); export
# DATABASE_URL and REDIS_URL for the production shape (PostgreSQL + Redis), e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/3 \
#     bash bench/serve_bench.sh
#
# The server shape is gunicorn.conf.py's; override it as an operator would (WEB_CONCURRENCY,
# GUNICORN_WORKER_CLASS, GUNICORN_THREADS, ...: see gunicorn.conf.py).
# Knobs (environment): BENCH_SIZES ("100 10000"), BENCH_ZONES (10), BENCH_DURATION (20s),
# BENCH_CONNECTIONS (32), BENCH_LIGHT_CONNECTIONS (4), BENCH_LIGHT_DURATION (10s),
# BENCH_PORT (8099), BENCH_TIMEOUT (1200 s in all),
# BENCH_CHURN_RATES ("1 10": campaign edits per second during the churn runs; "" skips them),
# BENCH_CHURN_DURATION (20s; each rate at 4 and at 32 connections), BENCH_CHURN_BURST (20
# edits before the "2 s after" run),
# BENCH_IDLE_WAIT (0: seconds to wait, before each run, for the CPUs to be 90 % idle),
# BENCH_MAX_OTHER_LOAD (10: a run during which other programs used more than this percentage
# of the CPUs is repeated, and so is one whose connections all went to too few workers; at
# most BENCH_BUSY_RETRIES (3) times; the last attempt is kept).
set -euo pipefail

# The whole run is bounded: re-run this script under `timeout` once.
if [[ -z "${BENCH_BOUNDED:-}" ]]; then
  export BENCH_BOUNDED=1
  exec timeout --foreground --kill-after=30 "${BENCH_TIMEOUT:-1200}" bash "$0" "$@"
fi

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=${PY:-$ROOT/.venv/bin/python}
GUNICORN=${GUNICORN:-$ROOT/.venv/bin/gunicorn}
HOST=127.0.0.1
PORT=${BENCH_PORT:-8099}
BASE_URL="http://$HOST:$PORT"
SIZES=${BENCH_SIZES:-"100 10000"}
ZONE_COUNT=${BENCH_ZONES:-10}
DURATION=${BENCH_DURATION:-20s}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
LIGHT_CONNECTIONS=${BENCH_LIGHT_CONNECTIONS:-4}
LIGHT_DURATION=${BENCH_LIGHT_DURATION:-10s}
CHURN_RATES=${BENCH_CHURN_RATES-"1 10"}
CHURN_DURATION=${BENCH_CHURN_DURATION:-20s}
CHURN_BURST=${BENCH_CHURN_BURST:-20}
CHURN_ADS=$(printf '%s\n' $SIZES | sort -n | tail -n 1) # churn runs at the largest inventory
IDLE_WAIT=${BENCH_IDLE_WAIT:-0}
MAX_FOREIGN=${BENCH_MAX_OTHER_LOAD:-10}
BUSY_RETRIES=${BENCH_BUSY_RETRIES:-3}
UA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
# The production shape's settings (README "Production shape"), nothing bench-only. wrk plays
# a proxy in front of gunicorn passing many visitors' addresses (TRUSTED_PROXIES), so the
# public per-address rate limit stays on and applies per visitor.
export DJANGO_SETTINGS_MODULE=adplatform.settings.production
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-serve-bench-not-a-secret-0123456789abcdef0123456789}
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export TRUSTED_PROXIES=127.0.0.1
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
for name in EVENT_DRAIN_IN_PROCESS RATELIMIT_ENABLE RATELIMIT_PUBLIC; do
  if [[ -n "${!name+x}" ]]; then
    printf '[bench] ignoring %s: the benchmark measures the product default\n' "$name" >&2
    unset "$name"
  fi
done

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- Tools ------------------------------------------------------------------------------
[[ -x "$PY" ]] || die "no virtualenv at $PY (run 'make install' first)"
[[ -x "$GUNICORN" ]] || die "gunicorn is missing from the virtualenv (run 'make install')"
if ! command -v wrk >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "wrk not found: installing it with apt-get"
    timeout 300 apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq wrk >/dev/null
  fi
  command -v wrk >/dev/null 2>&1 ||
    die "wrk is required: install it with 'apt-get update && apt-get install -y wrk' (Debian/Ubuntu) or 'brew install wrk'"
fi
command -v curl >/dev/null 2>&1 || die "curl is required (apt-get install -y curl)"
if curl -s -o /dev/null --max-time 1 "$BASE_URL/"; then
  die "something already listens on $HOST:$PORT; stop it or set BENCH_PORT"
fi

# --- Workspace and cleanup --------------------------------------------------------------
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
# The code measured: servers restart per inventory size, so this is taken at the start.
REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- apps adplatform 2>/dev/null || REVISION="$REVISION+uncommitted"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/serve-bench.XXXXXX")
MANIFEST="$WORK/manifest.jsonl"
: >"$MANIFEST"
GUNICORN_PID=""
CHURN_PID=""

stop_churn() {
  if [[ -n "$CHURN_PID" ]] && kill -0 "$CHURN_PID" 2>/dev/null; then
    kill -TERM "$CHURN_PID" 2>/dev/null || true
    wait "$CHURN_PID" 2>/dev/null || true
  fi
  CHURN_PID=""
}

stop_server() {
  if [[ -n "$GUNICORN_PID" ]] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null || true
    wait "$GUNICORN_PID" 2>/dev/null || true
  fi
  GUNICORN_PID=""
}
cleanup() {
  stop_churn
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Database ---------------------------------------------------------------------------
if [[ -n "${DATABASE_URL:-}" && "$DATABASE_URL" != sqlite* ]]; then
  CONFIG="PostgreSQL"
  # Create the database when it does not exist yet (needs a role allowed to create it).
  "$PY" - <<'EOF'
import os

import environ
import psycopg
from psycopg import sql

cfg = environ.Env.db_url_config(os.environ["DATABASE_URL"])
if "postgresql" in cfg["ENGINE"]:
    params = {"host": cfg.get("HOST") or None, "port": cfg.get("PORT") or None,
              "user": cfg.get("USER") or None, "password": cfg.get("PASSWORD") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(cfg["NAME"])))
            print(f"[bench] created database {cfg['NAME']}")
EOF
else
  CONFIG="SQLite"
  # The embedded default, in its own file rather than the development database.
  export DATABASE_URL="sqlite:///$ROOT/bench/bench.sqlite3"
fi
if [[ -n "${REDIS_URL:-}" ]]; then CONFIG="$CONFIG + Redis cache"; else CONFIG="$CONFIG + database cache"; fi
ACCESS_LOG="$WORK/access.log"
export GUNICORN_BIND="$HOST:$PORT" GUNICORN_ACCESS_LOG="$ACCESS_LOG" GUNICORN_ERROR_LOG="$WORK/gunicorn.err"
# The shape gunicorn.conf.py resolves to in this environment.
gunicorn_setting() { "$GUNICORN" -c gunicorn.conf.py --print-config adplatform.wsgi | awk -v n="$1" '$1 == n { print $3 }'; }
WORKERS=$(gunicorn_setting workers)
WORKER_CLASS=$(gunicorn_setting worker_class)
THREADS=$(gunicorn_setting threads)
[[ $WORKER_CLASS == gthread ]] || THREADS=1
SHAPE="gunicorn -c gunicorn.conf.py: ${WORKERS} workers x ${THREADS} threads ($WORKER_CLASS)"
log "configuration: $CONFIG; $SHAPE; $(nproc) CPUs"
log "migrating"
"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py collectstatic --noinput >/dev/null # as an operator does before starting

# --- Helpers ----------------------------------------------------------------------------

# start_server MODULE: the production command, `gunicorn -c gunicorn.conf.py MODULE`.
start_server() {
  : >"$ACCESS_LOG"
  "$GUNICORN" -c gunicorn.conf.py "$1" &
  GUNICORN_PID=$!
  for _ in $(seq 150); do
    kill -0 "$GUNICORN_PID" 2>/dev/null || break # died (e.g. the port is taken)
    # Any answer will do (a 404 too): the server is up.
    if curl -s -o /dev/null --max-time 2 "$BASE_URL/api/v1/"; then return 0; fi
    sleep 0.2
  done
  cat "$WORK/gunicorn.err" >&2 || true
  die "gunicorn did not come up on $BASE_URL"
}

server_errors() { # what gunicorn logged beyond its start and stop messages
  if grep -qvE '\[INFO\]' "$WORK/gunicorn.err" 2>/dev/null; then
    log "gunicorn error log (last lines beyond INFO):"
    grep -vE '\[INFO\]' "$WORK/gunicorn.err" | tail -n 20 >&2
  fi
}

# Percent of CPU time idle over one second: other load on the box skews every number.
cpu_idle() {
  local a b
  read -r -a a </proc/stat
  sleep 1
  read -r -a b </proc/stat
  local total=0 idle=$((b[4] + b[5] - a[4] - a[5])) i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $((total > 0 ? 100 * idle / total : 0))
}

# Jiffies: "busy total" of the machine, the CPU time of gunicorn (master and workers; Redis
# too), and the CPU time of this shell's finished children (wrk among them, through `times`).
# From their deltas, the share of the machine other programs used during a run.
machine_jiffies() {
  local a busy total i
  read -r -a a </proc/stat
  total=0
  for i in 1 2 3 4 5 6 7 8; do total=$((total + a[i])); done
  busy=$((total - a[4] - a[5]))
  echo "$busy $total"
}
gunicorn_jiffies() { # and redis-server's when the cache is Redis: it is part of serving
  local sum=0 pid f redis_pids=""
  [[ -z "${REDIS_URL:-}" ]] || redis_pids=$(pgrep -x redis-server || true)
  for pid in "$GUNICORN_PID" $(pgrep -P "$GUNICORN_PID" || true) $redis_pids; do
    [[ -r /proc/$pid/stat ]] || continue
    read -r -a f < <(sed 's/^.*) //' "/proc/$pid/stat")
    sum=$((sum + f[11] + f[12])) # utime, stime (fields 14 and 15)
  done
  echo "$sum"
}
children_jiffies() { # FILE: the output of `times`, run in this shell (not a subshell)
  awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
    total = 0
    for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); total += p[1] * 60 + p[2] }
    printf "%d\n", total * hz
  }' "$1"
}

# run_wrk ADS TARGET CONNECTIONS DURATION URL [ZONES_CSV] [CHURN_JSON]
run_wrk() {
  local ads=$1 target=$2 conns=$3 duration=$4 url=$5 zones=${6:-} churn=${7:-}
  local name="$ads-$target-c$conns"
  local attempt idle waited before after m0 g0 c0 m1 g1 c1 foreign balanced
  for attempt in $(seq $((BUSY_RETRIES + 1))); do
    idle=$(cpu_idle)
    waited=0
    while [[ $idle -lt 90 && $waited -lt $IDLE_WAIT ]]; do # BENCH_IDLE_WAIT: wait for quiet
      sleep 4
      waited=$((waited + 5))
      idle=$(cpu_idle)
    done
    [[ $idle -ge 90 ]] || log "WARNING: the machine is only ${idle}% idle before this run"
    before=$(wc -l <"$ACCESS_LOG")
    log "wrk $target: $conns connections, $duration ($ads ads)"
    times >"$WORK/times0"
    m0=$(machine_jiffies) g0=$(gunicorn_jiffies)
    BENCH_ZONES="$zones" timeout 120 wrk -t2 -c"$conns" -d"$duration" --latency \
      -s bench/serve.lua "$url" >"$WORK/$name.wrk"
    m1=$(machine_jiffies) g1=$(gunicorn_jiffies)
    times >"$WORK/times1"
    c0=$(children_jiffies "$WORK/times0") c1=$(children_jiffies "$WORK/times1")
    foreign=$(awk -v m0="$m0" -v m1="$m1" -v g="$((g1 - g0))" -v c="$((c1 - c0))" 'BEGIN {
      split(m0, a, " "); split(m1, b, " ")
      busy = b[1] - a[1]; total = b[2] - a[2]
      f = total > 0 ? 100 * (busy - g - c) / total : 0
      printf "%.0f\n", (f < 0 ? 0 : f)
    }')
    sleep 0.5 # let the last access-log lines land
    after=$(wc -l <"$ACCESS_LOG")
    sed -n "$((before + 1)),${after}p" "$ACCESS_LOG" >"$WORK/$name.access"
    grep -E 'Requests/sec|^ +(50|99)%' "$WORK/$name.wrk" | tr -s ' ' | sed 's/^/[bench]   /' >&2 || true
    # wrk's keep-alive connections stay with the worker that accepted them: when they all land
    # on one worker, half the machine idles. Such a run is repeated like a disturbed one.
    # The access log line ends with the request time (%(D)s) and the worker's pid (%(p)s).
    balanced=$(awk -v workers="$WORKERS" '{ n[$NF]++; total++ } END {
      used = 0; low = total
      for (p in n) { used++; if (n[p] < low) low = n[p] }
      print (used >= workers && low * 2 * workers >= total) ? 1 : 0
    }' "$WORK/$name.access")
    if [[ $foreign -gt $MAX_FOREIGN ]]; then
      log "WARNING: other programs used ${foreign}% of the CPUs during this run (attempt $attempt)"
    elif [[ $balanced -ne 1 ]]; then
      log "WARNING: the connections were not spread over all $WORKERS workers (attempt $attempt)"
    else
      break
    fi
  done
  printf '{"ads": %s, "target": "%s", "connections": %s, "duration": "%s", "idle_before": %s, "foreign_cpu": %s, "balanced": %s, "attempts": %s, "wrk": "%s", "access": "%s", "churn": "%s"}\n' \
    "$ads" "$target" "$conns" "$duration" "$idle" "$foreign" "$balanced" "$attempt" "$WORK/$name.wrk" "$WORK/$name.access" "$churn" >>"$MANIFEST"
}

# churn_runs ADS ZONES_CSV: serve load while campaigns are edited through the API (what users
# live with), at each rate of BENCH_CHURN_RATES, then a burst of edits and, 2 s after its
# last edit, the steady load again. Compared with the steady run at the same connections.
# At the light load (4 connections) a gthread worker keeps the keep-alive connections it
# accepted, so where they land can move throughput more than the edits do; the same runs at
# BENCH_CONNECTIONS (32) spread over every worker and are compared with that steady run.
churn_runs() {
  local ads=$1 zones=$2 rate conns out
  for rate in $CHURN_RATES; do
    for conns in $LIGHT_CONNECTIONS $CONNECTIONS; do
      out="$WORK/churn-$rate-c$conns.json"
      log "churn: $rate campaign edit(s) per second through PATCH /api/v1/campaigns/{id}"
      "$PY" bench/churn.py --base-url "$BASE_URL" --key-file "$WORK/churn.key" --rate "$rate" --out "$out" &
      CHURN_PID=$!
      sleep 3 # signed in, campaigns listed, the first deltas applied
      run_wrk "$ads" "serve-churn$rate" "$conns" "$CHURN_DURATION" "$BASE_URL/" "$zones" "$out"
      stop_churn
      [[ -s "$out" ]] && log "  edits: $(cat "$out")"
    done
  done
  if [[ $CHURN_BURST -gt 0 ]]; then
    out="$WORK/burst.json"
    log "churn: a burst of $CHURN_BURST edits, then the steady load 2 s after the last"
    "$PY" bench/churn.py --base-url "$BASE_URL" --key-file "$WORK/churn.key" --burst "$CHURN_BURST" --out "$out"
    log "  edits: $(cat "$out")"
    sleep 1 # + the 1 s idle probe at the start of run_wrk = 2 s
    run_wrk "$ads" serve-after-burst "$LIGHT_CONNECTIONS" "$LIGHT_DURATION" "$BASE_URL/" "$zones" "$out"
  fi
}

# --- The runs ---------------------------------------------------------------------------
for ads in $SIZES; do
  log "seeding $ads ads in $ZONE_COUNT zones"
  seed_out=$("$PY" manage.py bench_seed --ads "$ads" --zones "$ZONE_COUNT")
  zones_csv=$(printf '%s\n' "$seed_out" | tail -n 1 |
    "$PY" -c 'import json, sys; print(",".join(json.load(sys.stdin)["zones"]))')
  first_zone=${zones_csv%%,*}

  log "queries per warm decision ($ads ads)"
  # (the test client it uses calls itself "testserver")
  if ! DJANGO_ALLOWED_HOSTS=testserver "$PY" bench/count_queries.py "$first_zone" >"$WORK/queries-$ads.json"; then
    echo '{"error": "count_queries.py failed"}' >"$WORK/queries-$ads.json"
  fi

  start_server adplatform.wsgi
  log "warming the $ZONE_COUNT zones in all $WORKERS workers"
  # Each worker builds its own index when it starts (gunicorn.conf.py's post_worker_init) and
  # again when the inventory changes. wrk's keep-alive connections can all land on one worker,
  # so warm with fresh connections (curl) until the access log shows that every worker has
  # answered serve requests.
  filled=0
  total=0
  IFS=, read -r -a zone_list <<<"$zones_csv"
  for round in $(seq 20); do
    for zone in "${zone_list[@]}"; do
      body=$(curl -s --max-time 30 -A "$UA" -H "X-Forwarded-For: 10.255.0.$round" \
        "$BASE_URL/api/v1/serve/$zone?country=US&uid=warm-$round") ||
        die "serve did not answer for zone $zone"
      total=$((total + 1))
      if printf '%s' "$body" | "$PY" -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d.get("success") and d.get("data") else 1)' 2>/dev/null; then
        filled=$((filled + 1))
      fi
    done
    warm_workers=$(awk '$7 ~ /^\/api\/v1\/serve\// {print $NF}' "$ACCESS_LOG" | sort -u | wc -l)
    [[ $round -ge 3 && $warm_workers -ge $WORKERS ]] && break
  done
  log "warm-up: $filled of $total responses carried an ad; $warm_workers of $WORKERS workers served"
  [[ $filled -gt 0 ]] || log "WARNING: no ad was served; the numbers measure empty decisions"
  [[ $warm_workers -ge $WORKERS ]] || log "WARNING: not every worker was warmed"
  BENCH_ZONES="$zones_csv" timeout 60 wrk -t2 -c8 -d3s -s bench/serve.lua "$BASE_URL/" >/dev/null
  printf '{"ads": %s, "fill": {"filled": %s, "total": %s}, "queries": "%s"}\n' \
    "$ads" "$filled" "$total" "$WORK/queries-$ads.json" >>"$MANIFEST"

  run_wrk "$ads" serve "$CONNECTIONS" "$DURATION" "$BASE_URL/" "$zones_csv"
  run_wrk "$ads" serve "$LIGHT_CONNECTIONS" "$LIGHT_DURATION" "$BASE_URL/" "$zones_csv"
  if [[ $ads == "$CHURN_ADS" ]]; then churn_runs "$ads" "$zones_csv"; fi
  server_errors
  stop_server

  # The trivial view: the same command and settings, with bench.wsgi in front of the product.
  start_server bench.wsgi
  BENCH_ZONES="" timeout 60 wrk -t2 -c8 -d2s -s bench/serve.lua "$BASE_URL/bench/ping" >/dev/null
  run_wrk "$ads" ping "$CONNECTIONS" "$DURATION" "$BASE_URL/bench/ping"
  run_wrk "$ads" ping "$LIGHT_CONNECTIONS" "$LIGHT_DURATION" "$BASE_URL/bench/ping"
  server_errors
  stop_server
done

# --- Summary ----------------------------------------------------------------------------
mkdir -p bench/results
OUT="bench/results/serve-$STAMP.json"
"$PY" bench/summarize.py --manifest "$MANIFEST" --out "$OUT" --config "$CONFIG" --revision "$REVISION" \
  --server "$SHAPE; adplatform.settings.production" \
  --load "wrk -t2 -c$CONNECTIONS -d$DURATION (and -c$LIGHT_CONNECTIONS -d$LIGHT_DURATION; churn -c$LIGHT_CONNECTIONS -d$CHURN_DURATION)"
log "results written to $OUT"
