"""Misbehaving peers on loopback: a closed port, a black hole, and a peer that sends fixed bytes.

They run as threads of the test process; each holds a real listening (or bound) socket.
"""
from __future__ import annotations

import socket
import threading
import time


class ClosedPort:
    """A port bound but not listening: connecting is refused, and no one else can take the port."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((host, 0))
        self.port = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


class _AcceptLoop:
    def __init__(self, host: str):
        self.host = host
        self._listener = socket.create_server((host, 0), backlog=1024)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.handle(conn)

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._listener.close()


class BlackHole(_AcceptLoop):
    """Accepts every connection and never sends a byte (nor closes) until the test ends."""

    def __init__(self, host: str = "127.0.0.1"):
        self._held: list[socket.socket] = []
        self.accepted = 0
        super().__init__(host)

    def handle(self, conn: socket.socket) -> None:
        self._held.append(conn)
        self.accepted += 1

    def close(self) -> None:
        super().close()
        for conn in self._held:
            conn.close()


class ScriptedPeer(_AcceptLoop):
    """Sends its pieces to every connection (PAUSE seconds apart), then closes it.

    One piece is a server that refuses politely (a 421 banner); several exercise readers that must
    not take the first bytes to arrive for the whole answer.
    """

    PAUSE = 0.05

    def __init__(self, *pieces: bytes, host: str = "127.0.0.1"):
        self.pieces = pieces
        super().__init__(host)

    def handle(self, conn: socket.socket) -> None:
        threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                for number, piece in enumerate(self.pieces):
                    if number:
                        time.sleep(self.PAUSE)
                    conn.sendall(piece)
                conn.shutdown(socket.SHUT_WR)
                conn.settimeout(1.0)
                conn.recv(4096)  # let the client finish before the socket goes (no RST)
            except OSError:
                pass
