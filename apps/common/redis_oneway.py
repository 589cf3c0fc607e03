"""Writes to Redis that the request does not wait for.

A connection in ``CLIENT REPLY OFF`` mode gets no answers from the server, so sending a batch
of commands costs one ``sendall`` and no round trip. Serving uses it for what it remembers
for later (which token an impression was served with): nothing in the response depends on
the reply, and Redis handles a connection's commands in the order they were sent.

One connection per process and thread (connections are not shared across ``fork`` or
threads). A failed send reconnects and sends once more; if that fails too the caller falls
back to an ordinary pipeline, so a write is never dropped silently because of a dead socket.
"""

from __future__ import annotations

import contextlib
import os
import threading

_local = threading.local()


def _connection(pool):
    conn = getattr(_local, "conn", None)
    if conn is not None and _local.pid == os.getpid() and _local.pool is pool:
        return conn
    conn = pool.connection_class(**pool.connection_kwargs)
    conn.connect()
    conn.send_command("CLIENT", "REPLY", "OFF")  # answers nothing, this one included
    _local.conn, _local.pid, _local.pool = conn, os.getpid(), pool
    return conn


def _drop() -> None:
    conn = getattr(_local, "conn", None)
    _local.conn = None
    if conn is not None:
        with contextlib.suppress(Exception):  # already broken; a new one is made next time
            conn.disconnect()


def oneway_send(client, commands: list[tuple]) -> bool:
    """Send ``commands`` (tuples of command arguments) without waiting; False if impossible."""
    if not commands:
        return True
    pool = client.connection_pool
    for _ in range(2):
        try:
            conn = _connection(pool)
            conn.send_packed_command(conn.pack_commands(commands), check_health=False)
            return True
        except Exception:  # a dead or reset socket: reconnect once, then let the caller fall back
            _drop()
    return False
