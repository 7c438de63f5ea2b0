"""Watching Keel's processes for outbound network attempts from any code, native included.

The offline tests (tests/offline_guard.py) watch Python's socket calls; native libraries (onnxruntime's
telemetry, glibc's resolver called from C++) go around them. Two ways to see those:

- ``strace -f`` on the command: every ``connect``/``sendto``/``sendmsg``/``sendmmsg`` of the process
  and its children and threads. An attempt is an address that is not loopback, or port 53 anywhere (a
  DNS query, even to a local resolver).
- without strace, an empty network namespace (``unshare -rnm``): nothing can leave it, only loopback is
  up, ``/etc/resolv.conf`` is bind-mounted to point at 127.0.0.1, where a catcher records every DNS
  query. Connections to literal non-loopback addresses fail there (unreachable) but are not listed.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import socket
import struct
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

SYSCALLS = ("connect", "sendto", "sendmsg", "sendmmsg")
_CALL = re.compile(r"^(?:\[pid\s+)?(?P<pid>\d+)\]?\s+(?P<call>" + "|".join(SYSCALLS) + r")\(")
_INET = re.compile(
    r"sa_family=AF_INET6?, sin6?_port=htons\((?P<port>\d+)\),[^}]*?"
    r"(?:inet_addr\(\"(?P<v4>[^\"]+)\"\)|inet_pton\(AF_INET6, \"(?P<v6>[^\"]+)\")"
)


@dataclass(frozen=True)
class Attempt:
    pid: int
    call: str
    address: str
    port: int

    def __str__(self) -> str:
        what = "DNS query" if self.port == 53 else "outbound connection"
        return f"{what}: {self.call} to {self.address}:{self.port} (pid {self.pid})"


def attempts_in_strace(text: str) -> list[Attempt]:
    """Every non-loopback address or port-53 destination in ``strace -f`` output."""
    found = []
    for line in text.splitlines():
        call = _CALL.match(line)
        if call is None:
            continue
        for inet in _INET.finditer(line):
            address, port = inet.group("v4") or inet.group("v6"), int(inet.group("port"))
            if port == 53 or not is_local(address):
                found.append(Attempt(int(call.group("pid")), call.group("call"), address, port))
    return found


def is_local(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


# -- which way is available -----------------------------------------------------------------------
def strace_works() -> bool:
    """strace is installed and may trace here (containers can forbid ptrace)."""
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", "/dev/null", "true"], capture_output=True
    )
    return probe.returncode == 0


def namespace_works() -> bool:
    """An unprivileged user + network + mount namespace can be made (``unshare -rnm``)."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(["unshare", "-rnm", "true"], capture_output=True)
    return probe.returncode == 0


def strace_prefix(trace_file: Path) -> list[str]:
    # -s 0: no buffer contents in the trace (a request could carry a token); only the addresses matter.
    return ["strace", "-f", "-qq", "-s", "0", "-e", "trace=" + ",".join(SYSCALLS), "-o", str(trace_file)]


# -- inside the namespace -------------------------------------------------------------------------
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def loopback_up() -> None:
    """A new network namespace has its loopback down; bring it up (no ``ip`` needed)."""
    import fcntl

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh", b"lo", flags | IFF_UP))


def resolver_to_loopback(folder: Path) -> None:
    """Point /etc/resolv.conf at 127.0.0.1 for this mount namespace only."""
    fake = folder / "resolv.conf"
    fake.write_text("nameserver 127.0.0.1\noptions attempts:1 timeout:1\n")
    subprocess.run(["mount", "--bind", str(fake), "/etc/resolv.conf"], check=True)


class DnsCatcher:
    """Answers nothing, records the name in every DNS query sent to 127.0.0.1:53 (UDP)."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 53))
        self._sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DnsCatcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            self.queries.append(query_name(data))


def query_name(packet: bytes) -> str:
    """The first question's name of a DNS packet ("mobile.events.data.microsoft.com")."""
    labels, at = [], 12
    while at < len(packet) and packet[at]:
        size = packet[at]
        labels.append(packet[at + 1 : at + 1 + size].decode("ascii", "replace"))
        at += 1 + size
    return ".".join(labels)
