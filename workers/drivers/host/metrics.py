"""Usage figures of a server (OEM spec "server usage"; managed terms: disk per partition with a 90 %
alert, inode use, per-customer disk use), read through its transport: this machine by default
(``host=None``), another server over SSH otherwise — the same figures from the same sources.

Sources: ``/proc/mounts`` + ``statvfs`` (partitions and inodes), ``/proc/meminfo`` (memory),
``/proc/net/dev`` (interface byte counters), a directory walk for per-directory use (like
``du -sx``: ``os.scandir`` here, ``find -xdev`` on another server). psutil is not needed: every
figure here is one line of /proc away, read the same way over the wire.

Which filesystems count as partitions (:data:`PSEUDO_FSTYPES`):
- kernel and virtual filesystems (proc, sysfs, cgroup, devpts, ...) have no disk: skipped;
- ``tmpfs``/``devtmpfs``/``ramfs`` live in memory, which :func:`memory` already reports: skipped;
- ``overlay`` (container layers) and ``squashfs`` (snap images) repeat the disk underneath or are
  read-only images that are always 100 % full: skipped, EXCEPT an overlay mounted at ``/`` (the
  root of a container host is then the only view of its disk);
- network filesystems (nfs, cifs) are kept: customer homes may live there;
- a device mounted twice (bind mounts) is reported once, at its shortest mount point.
"""
from __future__ import annotations

import os
import stat as stat_mod
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

PSEUDO_FSTYPES = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc", "pstore",
    "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tmpfs", "tracefs",
    "fuse.gvfsd-fuse", "fuse.lxcfs", "fuse.portal",
})
LINE_BITS_PER_SECOND = 100_000_000  # OEM spec: "100M 共有回線" — one 100 Mbit line per server
DISK_ALERT_PERCENT = 90  # managed terms, basic monitoring: disk use per partition, alert at 90 %
DEFAULT_MAX_ENTRIES = 2_000_000  # per directory walk; beyond it the figure is marked truncated


@dataclass(frozen=True)
class PartitionUse:
    mount: str
    device: str
    fstype: str
    total_bytes: int
    used_bytes: int
    inodes_total: int
    inodes_used: int
    available_bytes: int | None = None  # for unprivileged users (excludes the root reserve)

    @property
    def used_percent(self) -> float:
        """Like ``df``'s Use%: used / (used + available), so the root reserve counts as full."""
        avail = self.total_bytes - self.used_bytes if self.available_bytes is None else self.available_bytes
        room = self.used_bytes + avail
        return 100.0 * self.used_bytes / room if room > 0 else 0.0

    @property
    def inodes_percent(self) -> float:
        return 100.0 * self.inodes_used / self.inodes_total if self.inodes_total > 0 else 0.0


@dataclass(frozen=True)
class MemoryUse:
    total: int      # bytes
    available: int  # bytes a new program could get without swapping (MemAvailable)
    used: int       # total - available

    @property
    def used_percent(self) -> float:
        return 100.0 * self.used / self.total if self.total > 0 else 0.0


@dataclass(frozen=True)
class NetCounters:
    interface: str
    rx_bytes: int
    tx_bytes: int


@dataclass(frozen=True)
class NetRate:
    interface: str
    rx_bytes_per_s: float
    tx_bytes_per_s: float
    rx_line_percent: float  # of the server's line (100 Mbit by default)
    tx_line_percent: float


@dataclass(frozen=True)
class DirUsage:
    bytes: int               # allocated bytes (st_blocks * 512), like du
    files: int               # non-directory entries (files, symlinks, sockets, ...)
    apparent_bytes: int = 0  # sum of st_size of regular files
    dirs: int = 0
    vanished: int = 0        # entries that disappeared between listing and stat
    denied: int = 0          # entries or directories we were not allowed to read
    truncated: bool = False  # stopped at max_entries: the figures are a lower bound


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime  # UTC
    partitions: list[PartitionUse]
    memory: MemoryUse
    network: list[NetCounters]
    home_partition: PartitionUse | None
    customers: dict[int, DirUsage] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)  # customer id -> why no figure

    def to_dict(self) -> dict:
        """JSON-ready (datetimes as ISO 8601 UTC; customer ids as strings, as JSON keys are)."""
        return {
            "taken_at": self.taken_at.isoformat(),
            "partitions": [asdict(p) for p in self.partitions],
            "memory": asdict(self.memory),
            "network": [asdict(n) for n in self.network],
            "home_partition": asdict(self.home_partition) if self.home_partition else None,
            "customers": {str(k): asdict(v) for k, v in self.customers.items()},
            "errors": {str(k): v for k, v in self.errors.items()},
        }


# --- partitions --------------------------------------------------------------------------------

def _unescape_mount_field(value: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes (\\040 ...)."""
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\" and i + 3 < len(value) and all(c in "01234567" for c in value[i + 1:i + 4]):
            out.append(chr(int(value[i + 1:i + 4], 8)))
            i += 4
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _host(host):
    if host is not None:
        return host
    from workers.drivers.transport.local import LOCAL

    return LOCAL


def _read_text(path: str, host, encoding: str = "utf-8") -> str:
    data = _host(host).read_bytes(path)
    if data is None:
        raise FileNotFoundError(path)
    return data.decode(encoding, errors="replace")


def _mount_entries(mounts_file: str = "/proc/mounts", host=None) -> list[tuple[str, str, str]]:
    entries = []
    for line in _read_text(mounts_file, host).splitlines():
        parts = line.split()
        if len(parts) >= 3:
            entries.append((_unescape_mount_field(parts[0]), _unescape_mount_field(parts[1]), parts[2]))
    return entries


def _is_pseudo(mount: str, fstype: str) -> bool:
    if fstype == "overlay" and mount == "/":
        return False
    return fstype in PSEUDO_FSTYPES


def partitions(mounts_file: str = "/proc/mounts", host=None) -> list[PartitionUse]:
    """Disk and inode use of every real filesystem, one entry per device, sorted by mount point."""
    host = _host(host)
    real = [(device, mount, fstype) for device, mount, fstype in _mount_entries(mounts_file, host)
            if not _is_pseudo(mount, fstype)]
    mounts = list(dict.fromkeys(mount for _d, mount, _f in real))
    stats, devices = host.statvfs(mounts), host.device_ids(mounts)
    by_device: dict[object, PartitionUse] = {}
    for device, mount, fstype in real:
        st, dev_id = stats.get(mount), devices.get(mount)
        if st is None or dev_id is None:  # gone, stale NFS handle, no permission: not measurable now
            continue
        if st.blocks == 0:
            continue
        use = PartitionUse(
            mount=mount, device=device, fstype=fstype,
            total_bytes=st.blocks * st.frsize,
            used_bytes=(st.blocks - st.bfree) * st.frsize,
            inodes_total=st.files,
            inodes_used=max(st.files - st.ffree, 0),
            available_bytes=st.bavail * st.frsize,
        )
        known = by_device.get(dev_id)
        if known is None or len(mount) < len(known.mount):
            by_device[dev_id] = use
    return sorted(by_device.values(), key=lambda p: p.mount)


def partition_of(path: str | os.PathLike, parts: list[PartitionUse] | None = None,
                 host=None) -> PartitionUse | None:
    """The partition holding ``path`` (matched by device id, so bind mounts and symlinks agree)."""
    host = _host(host)
    parts = parts if parts is not None else partitions(host=host)
    devices = host.device_ids([os.fspath(path)] + [p.mount for p in parts])
    wanted = devices.get(os.fspath(path))
    if wanted is None:
        return None
    for part in parts:
        if devices.get(part.mount) == wanted:
            return part
    return None


# --- memory and network ------------------------------------------------------------------------

def _meminfo(meminfo_file: str = "/proc/meminfo", host=None) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in _read_text(meminfo_file, host, "ascii").splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            scale = 1024 if len(fields) > 1 and fields[1] == "kB" else 1
            values[key.strip()] = int(fields[0]) * scale
    return values


def memory(meminfo_file: str = "/proc/meminfo", host=None) -> MemoryUse:
    info = _meminfo(meminfo_file, host)
    total = info.get("MemTotal", 0)
    if "MemAvailable" in info:
        available = info["MemAvailable"]
    else:  # kernels before 3.14
        available = info.get("MemFree", 0) + info.get("Buffers", 0) + info.get("Cached", 0)
    available = min(available, total)
    return MemoryUse(total=total, available=available, used=total - available)


def network(netdev_file: str = "/proc/net/dev", host=None) -> list[NetCounters]:
    """Byte counters since boot of every interface (``lo`` included; callers filter)."""
    out = []
    for line in _read_text(netdev_file, host, "ascii").splitlines():
        name, sep, rest = line.partition(":")
        fields = rest.split()
        if not sep or len(fields) < 9 or not fields[0].isdigit():
            continue  # the two header lines
        out.append(NetCounters(interface=name.strip(), rx_bytes=int(fields[0]), tx_bytes=int(fields[8])))
    return out


def rates(previous: list[NetCounters], current: list[NetCounters], seconds: float,
          line_bits_per_second: int = LINE_BITS_PER_SECOND) -> list[NetRate]:
    """Bytes per second between two readings, and that as % of the line (100 Mbit by default).

    An interface missing from ``previous`` (new) or whose counter went DOWN (reboot, driver reload,
    32-bit wrap) has no honest rate for this interval and is left out.
    """
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    if line_bits_per_second <= 0:
        raise ValueError("line_bits_per_second must be positive")
    before = {c.interface: c for c in previous}
    out = []
    for now in current:
        then = before.get(now.interface)
        if then is None or now.rx_bytes < then.rx_bytes or now.tx_bytes < then.tx_bytes:
            continue
        rx = (now.rx_bytes - then.rx_bytes) / seconds
        tx = (now.tx_bytes - then.tx_bytes) / seconds
        out.append(NetRate(
            interface=now.interface, rx_bytes_per_s=rx, tx_bytes_per_s=tx,
            rx_line_percent=100.0 * rx * 8 / line_bits_per_second,
            tx_line_percent=100.0 * tx * 8 / line_bits_per_second,
        ))
    return out


# --- directories -------------------------------------------------------------------------------

def directory_usage(path: str | os.PathLike, *, max_entries: int = DEFAULT_MAX_ENTRIES,
                    one_file_system: bool = True, host=None) -> DirUsage:
    """Disk use under ``path`` like ``du -sx --block-size=1``: allocated blocks, each hard-linked
    inode once, symlinks counted as themselves and never followed, other filesystems mounted
    inside not entered (``one_file_system``). Entries that vanish mid-walk or cannot be read are
    counted in ``vanished``/``denied`` and skipped. Raises FileNotFoundError / NotADirectoryError
    only for ``path`` itself.
    """
    if host is not None and not host.on_this_machine:
        return DirUsage(**host.walk(os.fspath(path), with_stat=True, max_entries=max_entries,
                                    one_file_system=one_file_system))
    return _walk(os.fspath(path), with_stat=True, max_entries=max_entries, one_file_system=one_file_system)


def file_count(path: str | os.PathLike, *, max_entries: int = DEFAULT_MAX_ENTRIES, host=None) -> int:
    """Number of non-directory entries under ``path`` (Gold option: file-count monitoring).
    Cheaper than :func:`directory_usage`: only the directory listings are read, no stat per file."""
    if host is not None and not host.on_this_machine:
        return host.walk(os.fspath(path), with_stat=False, max_entries=max_entries, one_file_system=True)["files"]
    return _walk(os.fspath(path), with_stat=False, max_entries=max_entries, one_file_system=True).files


def _walk(root: str, *, with_stat: bool, max_entries: int, one_file_system: bool) -> DirUsage:
    top = os.stat(root, follow_symlinks=False)
    if not stat_mod.S_ISDIR(top.st_mode):
        raise NotADirectoryError(root)
    root_dev = top.st_dev
    total = top.st_blocks * 512 if with_stat else 0
    files = apparent = vanished = denied = entries = 0
    dirs = 1
    seen_inodes: set[tuple[int, int]] = set()
    stack = [root]
    truncated = False
    while stack and not truncated:
        current = stack.pop()
        try:
            with os.scandir(current) as listing:
                batch = list(listing)
        except (FileNotFoundError, NotADirectoryError):  # gone, or replaced by a file, since the listing
            vanished += 1
            continue
        except OSError:  # permission denied and the like
            denied += 1
            continue
        for entry in batch:
            entries += 1
            if entries > max_entries:
                truncated = True
                break
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if not with_stat and not is_dir:
                    files += 1
                    continue
                st = entry.stat(follow_symlinks=False)  # for a directory only, when counting files
            except FileNotFoundError:
                vanished += 1
                continue
            except PermissionError:
                denied += 1
                continue
            except OSError:
                vanished += 1
                continue
            if stat_mod.S_ISDIR(st.st_mode):
                if one_file_system and st.st_dev != root_dev:
                    continue  # a mount point: another filesystem, measured as its own partition
                dirs += 1
                total += st.st_blocks * 512 if with_stat else 0
                stack.append(entry.path)
                continue
            files += 1
            if st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                if key in seen_inodes:
                    continue
                seen_inodes.add(key)
            total += st.st_blocks * 512
            if stat_mod.S_ISREG(st.st_mode):
                apparent += st.st_size
    return DirUsage(bytes=total, files=files, apparent_bytes=apparent, dirs=dirs,
                    vanished=vanished, denied=denied, truncated=truncated)


# --- everything at once ------------------------------------------------------------------------

def collect(home_root: Path, customer_dirs: dict[int, Path], *,
            max_entries: int = DEFAULT_MAX_ENTRIES, host=None) -> Snapshot:
    """One reading of the server: partitions, memory, network counters, and the disk use of each
    customer's directory. A customer directory may be relative (to ``home_root``); one that
    resolves outside ``home_root`` is refused (a misconfigured ``/`` must not walk the whole disk)
    and, like a missing one, lands in ``errors`` instead of failing the whole snapshot.
    """
    host = _host(host)
    taken_at = datetime.now(timezone.utc)
    parts = partitions(host=host)
    absolute = [str(raw) for raw in customer_dirs.values() if Path(raw).is_absolute()]
    real = host.realpaths([str(home_root)] + absolute)  # resolved on the server, in two round trips
    home = Path(real[str(home_root)])
    relative = {str(raw): str(home / raw) for raw in customer_dirs.values() if not Path(raw).is_absolute()}
    real_relative = host.realpaths(relative.values()) if relative else {}
    customers: dict[int, DirUsage] = {}
    errors: dict[int, str] = {}
    for customer_id, raw in sorted(customer_dirs.items()):
        target = Path(real[str(raw)] if Path(raw).is_absolute() else real_relative[relative[str(raw)]])
        if target != home and home not in target.parents:
            errors[customer_id] = f"outside the home root {home}: {target}"
            continue
        try:
            customers[customer_id] = directory_usage(target, max_entries=max_entries, host=host)
        except FileNotFoundError:
            errors[customer_id] = f"no such directory: {target}"
        except NotADirectoryError:
            errors[customer_id] = f"not a directory: {target}"
        except OSError as exc:
            errors[customer_id] = f"cannot read {target}: {exc.strerror or exc}"
    return Snapshot(
        taken_at=taken_at, partitions=parts, memory=memory(host=host), network=network(host=host),
        home_partition=partition_of(home, parts, host), customers=customers, errors=errors,
    )
