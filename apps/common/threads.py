"""Background threads a server process starts for itself, once, when first needed."""

from __future__ import annotations

import threading
from collections.abc import Callable


class ProcessThread:
    """A daemon thread started at most once per process, when first needed."""

    def __init__(self, name: str, target: Callable[[], None]) -> None:
        self.name = name
        self.target = target
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Start the thread unless it was; answers whether this call started it."""
        if self._thread is not None:
            return False
        with self._lock:
            if self._thread is not None:
                return False
            self._thread = threading.Thread(target=self.target, name=self.name, daemon=True)
            self._thread.start()
            return True
