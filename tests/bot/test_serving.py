"""HTTP mode keeps serving in a process that holds many open files (select() breaks above 1024)."""

from __future__ import annotations

import os
import resource
import socket

import httpx
import pytest
from slack_bolt import App

from bot.serving import HttpServer


def test_http_mode_serves_with_more_than_1024_open_descriptors() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip("the hard limit on open files is too low to test this")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]  # push new sockets above fd 1024
    app = App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)
    server = HttpServer(app, host="127.0.0.1", port=0).start()
    try:
        health = server.url.replace("/slack/events", "/healthz")
        assert httpx.get(health, timeout=5).text == "ok\n"
    finally:
        server.close()
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_host_name_with_several_addresses_is_refused_with_a_clear_error(monkeypatch):
    # waitress would open one server per address, and none of them would run Keel's early request checks
    real = socket.getaddrinfo

    def two_addresses(host, *args, **kwargs):
        if host != "keel-dual.test":
            return real(host, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 0)) for ip in ("127.0.0.1", "127.0.0.2")]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    with pytest.raises(ValueError, match="several addresses"):
        HttpServer(None, host="keel-dual.test", port=0)
