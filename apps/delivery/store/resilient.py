"""The hot store as the hot path uses it: still answering while the store is unreachable.

- A tracking beacon the store cannot take is written to a local spool file (one per process,
  appended and flushed per beacon, in ``HOT_STORE_SPOOL_DIR``) and accepted; a thread replays
  the spool through the store once it answers again. Each spooled beacon keeps its replay
  claim and its counter charge, so a beacon that also reached the store another way, or a
  replay interrupted and repeated, counts once. Spools left by processes that died are
  replayed by any process on the same host.
- Remembering a served token is skipped (the token-less forms will not find that serve);
  recalling one answers nothing.
- Everything else raises ``StoreUnavailableError`` for the caller to decide: serving decides
  without counters (``engine.counter_reason``), the rate limit lets the request through, the
  drain and the index follower retry on their next round.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import msgspec

from apps.common.metrics import SPOOLED_EVENTS
from apps.common.ratelimit import RateWindow
from apps.common.threads import ProcessThread

from ..events import TrackedEvent
from .base import RECORDED, Charge, Claim, HotStore, Recorded, StoreUnavailableError

logger = logging.getLogger(__name__)
REPLAY_INTERVAL_SECONDS = 1.0
WARN_EVERY_SECONDS = 60.0


class SpooledBeacon(msgspec.Struct, array_like=True):
    event: TrackedEvent
    claim: Claim | None = None
    charge: Charge | None = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(SpooledBeacon)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Spool:
    """Beacons waiting for the store: ``<dir>/<host>/spool.<pid>.jsonl`` per writing process,
    renamed ``spool.<pid>.<replayer pid>.replay`` while a process replays it."""

    def __init__(self, directory: Path):
        self.directory = Path(directory) / socket.gethostname()
        self._lock = threading.Lock()
        self._replaying = threading.Lock()  # one replay at a time in a process
        self._file = None
        self._file_pid = 0

    def _own_path(self) -> Path:
        return self.directory / f"spool.{os.getpid()}.jsonl"

    def append(self, beacon: SpooledBeacon) -> None:
        line = _encoder.encode(beacon) + b"\n"
        with self._lock:
            if self._file is None or self._file_pid != os.getpid():
                self.directory.mkdir(parents=True, exist_ok=True)
                self._file = open(self._own_path(), "ab")  # noqa: SIM115 - kept open
                self._file_pid = os.getpid()
            self._file.write(line)
            self._file.flush()  # in the kernel: survives this process dying

    def pending(self) -> bool:
        return bool(self._ready())

    def _ready(self) -> list[Path]:
        """This process's spool, and spools whose writer (or replayer) is gone."""
        if not self.directory.exists():
            return []
        ready = []
        for path in self.directory.glob("spool.*"):
            parts = path.name.split(".")
            if len(parts) == 3 and parts[2] == "jsonl" and parts[1].isdigit():
                owner = int(parts[1])
            elif len(parts) == 4 and parts[3] == "replay" and parts[2].isdigit():
                owner = int(parts[2])
            else:
                continue
            if owner == os.getpid() or not _alive(owner):
                ready.append(path)
        return ready

    def take(self) -> list[Path]:
        """Claim the files to replay (renamed, so no writer adds to them meanwhile)."""
        taken = []
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            for path in self._ready():
                if path.suffix == ".replay":
                    taken.append(path)
                    continue
                writer = path.name.split(".")[1]
                target = path.with_name(f"spool.{writer}.{os.getpid()}.replay")
                try:
                    path.rename(target)  # atomic: one process wins a dead writer's file
                except FileNotFoundError:
                    continue
                taken.append(target)
        return taken

    def replay(self, record) -> int:
        """Hand every spooled beacon to ``record``; on ``StoreUnavailableError`` keep the rest."""
        with self._replaying:
            return self._replay(record)

    def _replay(self, record) -> int:
        done = 0
        for path in self.take():
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # another process took it over meanwhile
                continue
            beacons = [_decoder.decode(line) for line in data.splitlines() if line]
            for position, beacon in enumerate(beacons):
                try:
                    record(beacon)
                except StoreUnavailableError:
                    for rest in beacons[position:]:
                        self.append(rest)
                    path.unlink()
                    return done
                done += 1
            path.unlink()
        return done


class ResilientStore:
    """Wraps the chosen store (see the module docstring); other methods pass through."""

    def __init__(self, inner: HotStore, spool: Spool):
        self.inner = inner
        self.spool = spool
        self.replayer = ProcessThread("hot-store-replay", self._replay_forever)
        self._warned_at = 0.0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def _warn(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_SECONDS:
            self._warned_at = now
            logger.warning("Hot store unreachable (%s): %s", what, exc)

    def record(
        self,
        event: TrackedEvent,
        *,
        rate: RateWindow | None = None,
        claim: Claim | None = None,
        charge: Charge | None = None,
    ) -> Recorded:
        try:
            return self.inner.record(event, rate=rate, claim=claim, charge=charge)
        except StoreUnavailableError as exc:
            self._warn("tracking spooled", exc)
            self.spool.append(SpooledBeacon(event=event, claim=claim, charge=charge))
            SPOOLED_EVENTS.inc()
            self.replayer.start()
            return Recorded(RECORDED, None)

    def remember(self, entries: Mapping[str, str], ttl: int) -> None:
        try:
            self.inner.remember(entries, ttl)
        except StoreUnavailableError as exc:
            self._warn("served tokens not remembered", exc)

    def recall(self, name: str) -> str | None:
        try:
            return self.inner.recall(name)
        except StoreUnavailableError as exc:
            self._warn("served tokens not recalled", exc)
            return None

    def replay(self) -> int:
        """Replay spooled beacons now (the replay thread calls this every second)."""
        return self.spool.replay(
            lambda beacon: self.inner.record(beacon.event, claim=beacon.claim, charge=beacon.charge)
        )

    def _replay_forever(self) -> None:
        while True:
            time.sleep(REPLAY_INTERVAL_SECONDS)
            try:
                if self.spool.pending():
                    replayed = self.replay()
                    if replayed:
                        logger.info("Replayed %d spooled tracking events", replayed)
            except Exception:
                logger.exception("Replaying spooled tracking events failed; will retry")
