"""No outbound connection and no DNS query from ``keel ingest``, ``keel ask`` or ``keel serve --http``,
from any code in the process: Python, or native libraries such as onnxruntime (whose telemetry resolved
``mobile.events.data.microsoft.com`` twice per ``keel ask``, issue 16).

The commands run as real processes (tests/security/outbound_driver.py) under ``strace -f``; where strace
is missing or may not trace, inside an empty network namespace with a DNS catcher (``unshare -rnm``);
where neither works, the test is skipped and says why. CI provides strace (Debian package ``strace``).
Each way first proves on a control that it sees what it should."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.security import outbound

# KEEL_TEST_NETWORK_WATCH=namespace tries the namespace way even where strace works.
STRACE = os.environ.get("KEEL_TEST_NETWORK_WATCH") != "namespace" and outbound.strace_works()
NAMESPACE = outbound.namespace_works()
NEITHER = "neither strace (apt-get install strace) nor unprivileged namespaces (unshare -rnm) are available"

# Lines as strace 6.1 writes them, from a run of `keel ingest` before the telemetry was turned off.
TRACE = """\
18804 connect(17, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)
18804 connect(17, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0
18805 sendto(18, ""..., 50, MSG_NOSIGNAL, NULL, 0) = 50
18860 connect(27, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16 <unfinished ...>
18860 <... connect resumed>)            = 0
18870 sendto(5, ""..., 40, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("8.8.8.8")}, 16) = 40
18871 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \
"2603:1030::5", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH (Network is unreachable)
18872 connect(9, {sa_family=AF_INET, sin_port=htons(40213), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
18873 connect(9, {sa_family=AF_INET6, sin6_port=htons(8000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \
"::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0
18874 sendmsg(4, {msg_name={sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, msg_namelen=12}, 0) = 20
"""


def test_the_trace_reader_finds_dns_queries_and_outbound_connections_only() -> None:
    found = [str(a) for a in outbound.attempts_in_strace(TRACE)]
    assert found == [
        "DNS query: connect to 10.255.255.53:53 (pid 18804)",
        "DNS query: connect to 127.0.0.53:53 (pid 18860)",  # a local resolver is still a DNS query
        "DNS query: sendto to 8.8.8.8:53 (pid 18870)",
        "outbound connection: connect to 2603:1030::5:443 (pid 18871)",
    ]


def test_the_dns_catcher_reads_query_names() -> None:
    packet = bytes(12) + b"\x06mobile\x06events\x04data\x09microsoft\x03com\x00\x00\x01\x00\x01"
    assert outbound.query_name(packet) == "mobile.events.data.microsoft.com"


def _driver(tmp_path: Path, *flags: str, namespace: bool = False) -> dict:
    command = [sys.executable, "-m", "tests.security.outbound_driver", "--work", str(tmp_path), *flags]
    if namespace:
        command = ["unshare", "-rnm", *command]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # the emulator is on 127.0.0.1
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:] + (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ingest"] == 0 and report["ask"] == 0, report
    assert report["serve"] == {"answered": True, "exit": 0}, report
    return report


@pytest.mark.server
@pytest.mark.skipif(
    not STRACE,
    reason="strace is missing or may not trace here, or KEEL_TEST_NETWORK_WATCH=namespace (CI: apt-get install strace)",
)
def test_keel_commands_under_strace_make_no_outbound_attempt(tmp_path: Path) -> None:
    control = tmp_path / "control.trace"
    probe = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(('192.0.2.1', 53))"
    subprocess.run([*outbound.strace_prefix(control), sys.executable, "-c", probe], check=True)
    assert [a.address for a in outbound.attempts_in_strace(control.read_text())] == ["192.0.2.1"]  # it sees

    _driver(tmp_path, "--strace")
    found = {}
    for name in ("ingest", "ask", "serve"):
        trace = tmp_path / f"{name}.trace"
        assert trace.exists(), f"keel {name} did not run under strace"
        text = trace.read_text(errors="replace")
        trace.unlink()  # only addresses are in it (-s 0), but the file need not stay
        found[name] = [str(a) for a in outbound.attempts_in_strace(text)]
    assert found == {"ingest": [], "ask": [], "serve": []}


@pytest.mark.server
@pytest.mark.skipif(STRACE or not NAMESPACE, reason="strace is used instead" if STRACE else NEITHER)
def test_keel_commands_in_an_empty_network_namespace_make_no_dns_query(tmp_path: Path) -> None:
    probe = (
        "from tests.security import outbound; from pathlib import Path; import socket\n"
        f"outbound.loopback_up(); outbound.resolver_to_loopback(Path({str(tmp_path)!r}))\n"
        "with outbound.DnsCatcher() as catcher:\n"
        "    try: socket.getaddrinfo('keel-probe.example', 443)\n"
        "    except OSError: pass\n"
        "print(catcher.queries)"
    )
    control = subprocess.run(["unshare", "-rnm", sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True)
    assert "keel-probe.example" in control.stdout, control.stderr  # it sees

    report = _driver(tmp_path, "--catch-dns", namespace=True)
    assert report["dns_queries"] == []
