"""Where logrotate put the log we were reading (issue 20 "the mail-log reader follows rotation to
``.1``, ``-YYYYMMDD`` and compressed predecessors without loss or double count").

Names, newest first: ``<log>.1``, ``<log>.2`` … (Debian), ``<log>-YYYYMMDD`` (``dateext``, the
default on Red Hat-style hosts: ``maillog-20261224``), each also gzip-compressed (``.gz``:
``compress`` without ``delaycompress``, or the second rotation with it). A plain rotated file is
still "our file" by its inode (and first bytes, workers.maillog); a compressed one is a new file
made by gzip, so it is recognised by the first bytes of its content alone and read through
:class:`GzipLog`, which decompresses from the start up to what is asked (the size comes from the
gzip trailer). Every file between ours and the live log is read whole, oldest first, so a log
rotated twice between two runs loses nothing either.
"""
from __future__ import annotations

import os
import re
import struct
import zlib

CHUNK = 1024 * 1024
_ROTATED = re.compile(r"^(?:\.(?P<n>\d{1,3})|-(?P<date>\d{8}(?:\d{2})?))(?P<gz>\.gz)?$")


def rotated_names(path: str, host) -> list[str]:
    """The rotated predecessors of ``path`` present on the host, newest first (plain before its
    ``.gz``)."""
    folder, name = os.path.split(path)
    try:
        entries = host.listdir(folder or ".")
    except OSError:
        entries = []
    found = []
    for entry in entries:
        match = _ROTATED.match(entry[len(name):]) if entry.startswith(name) else None
        if match is None:
            continue
        age = (0, int(match["n"])) if match["n"] else (1, -int(match["date"].ljust(10, "0")))
        found.append((age, bool(match["gz"]), os.path.join(folder, entry)))
    return [name for _, _, name in sorted(found)]


class GzipLog:
    """A gzip-compressed rotated log, read as its decompressed content (the LogFile protocol)."""

    compressed = True

    def __init__(self, raw):
        self.raw, self.inode = raw, raw.inode
        tail = raw.read(max(0, raw.size - 4), 4) if raw.size >= 4 else b""
        self.size = struct.unpack("<I", tail)[0] if len(tail) == 4 else 0  # ISIZE: content size mod 2**32
        self._head: bytes | None = None

    def head(self, length: int) -> bytes:
        if self._head is None or len(self._head) < length:
            self._head = self.read(0, max(length, 256))
        return self._head[:length]

    def read(self, offset: int, length: int) -> bytes:
        out, skip, position = bytearray(), offset, 0
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while position < self.raw.size and len(out) < length:
            data = inflate.decompress(self.raw.read(position, CHUNK))
            position += CHUNK
            if skip:
                dropped = min(skip, len(data))
                data, skip = data[dropped:], skip - dropped
            out += data
        return bytes(out[:length])

    def close(self) -> None:
        self.raw.close()


def open_rotated(host, name: str):
    raw = host.open_log(name)
    if raw is None or not name.endswith(".gz"):
        return raw
    try:
        return GzipLog(raw)
    except (zlib.error, OSError):
        raw.close()
        return None


def find_ours(path: str, is_ours, state, host):
    """(our rotated file opened, the name of the next newer rotated file or None), or (None, None)."""
    names = rotated_names(path, host)
    for index, name in enumerate(names):
        try:
            log = open_rotated(host, name)
        except zlib.error:
            continue
        if log is None:
            continue
        try:
            ours = is_ours(log, state)
        except zlib.error:  # a damaged archive is not ours
            ours = False
        if ours:
            return log, (names[index - 1] if index > 0 else None)
        log.close()
    return None, None
