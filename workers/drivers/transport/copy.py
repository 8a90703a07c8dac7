"""Copying a folder from one server to another through their transports (this machine or SSH):
a ``tar`` stream read from the source as it is made and written into ``tar -x`` on the target,
so nothing is held in memory or staged on disk. File contents, modes, owners (numeric ids),
times and symbolic links (as links) arrive as they were; the folder on the target is created."""
from __future__ import annotations

from workers.drivers.transport.base import Transport

COPY_TIMEOUT = 6 * 3600


def copy_tree(source: Transport, source_dir: str, target: Transport, target_dir: str,
              timeout: float = COPY_TIMEOUT) -> None:
    """Copy everything below ``source_dir`` on ``source`` into ``target_dir`` on ``target``;
    OSError (or TransportError) with the reason when either side fails."""
    target.makedirs([target_dir])
    with target.feed(["tar", "-x", "-p", "--numeric-owner", "-C", target_dir, "-f", "-"], timeout) as sink:
        status, errors = source.stream(["tar", "-c", "--numeric-owner", "-C", source_dir, "-f", "-", "."], timeout,
                                       sink.write)
    if status != 0:
        raise OSError(f"reading {source_dir} on {source.where} failed: {errors.strip() or status}")
