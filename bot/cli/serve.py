"""``keel serve``: run the Slack bot, in Socket Mode (default) or HTTP mode (``--http``)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.output import console, fail

if TYPE_CHECKING:  # the app (Bolt, the graph, the stores) loads when `keel serve` runs, not for --help
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import KeelApp
    from bot.runtime import KeelRuntime
    from config.settings import Settings

WORKERS_HELP = "Questions answered at once, each in its own worker process (default: one per CPU core, at most 4)."
THREADS_HELP = "Answer on threads of the Slack process instead of worker processes (less memory, slower acks)."


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    http: Annotated[bool, typer.Option("--http", help="Serve Slack's HTTP requests instead of Socket Mode.")] = False,
    port: Annotated[int, typer.Option("--port", "-p", envvar="PORT", help="HTTP mode: the port to listen on.")] = 3000,
    host: Annotated[str, typer.Option("--host", help="HTTP mode: the address to listen on.")] = "0.0.0.0",
    workers: Annotated[int | None, typer.Option("--workers", min=1, max=64, help=WORKERS_HELP)] = None,
    threads: Annotated[bool, typer.Option("--threads", help=THREADS_HELP)] = False,
) -> None:
    """Run Keel in Slack: answers @mentions, DMs, thread follow-ups and the assistant panel."""
    from bot.serving import HttpServer  # light: the port opens before the app and its models load
    from config.settings import get_settings

    _configure_logging()
    # Hand the GIL over every 1 ms instead of 5: acking Slack is a few short steps on several threads, and
    # with the answer workers busy each step would otherwise wait up to 5 ms for its turn.
    sys.setswitchinterval(0.001)
    settings = get_settings()
    workers = workers or min(4, os.cpu_count() or 1)
    # HTTP mode listens at once: /healthz says "warming up" (503) and Slack's requests wait for the app.
    try:
        server = HttpServer(None, host=host, port=port, max_body=settings.http_max_body).start() if http else None
    except (ValueError, OSError) as exc:  # several addresses for the host; the port is taken
        fail(f"Keel cannot listen on {host}:{port}: {exc}")
    try:
        app = _create_app(settings, http=http, workers=workers, threads=threads)
    except BaseException:
        if server is not None:
            server.close()
        raise
    runtime = app.keel
    from bot.handover.monitor import HandoverMonitor

    # Reminders and the backup group for unanswered hand-overs, once a minute (state in the log, so a
    # restart picks up where the last process stopped).
    stop_monitor = HandoverMonitor(runtime.handovers).run_in_background()
    # SIGTERM (a platform stopping the dyno/container) ends the loop like Ctrl-C, so answers in flight finish.
    signal.signal(signal.SIGTERM, _interrupt)
    handler, started = None, False
    try:
        # Events are acked and their questions queued from here on; the workers take them once warm.
        if server is not None:
            server.attach(app)
        else:
            handler = _connect(app, settings)
        _warm_up(runtime, threads)
        started = True
        if server is not None:
            server.mark_ready()
            console.print(f"Keel is serving Slack over HTTP ({_workers(workers, threads)}). Ctrl-C stops.")
        else:
            console.print(f"Keel is connected to Slack (Socket Mode, {_workers(workers, threads)}). Ctrl-C stops.")
        threading.Event().wait()
    except KeyboardInterrupt:
        started = True
    finally:
        if started:
            console.print("Stopping: finishing the questions already accepted…")
        stop_monitor.set()
        if server is not None:
            server.close()
        if handler is not None:
            handler.close()
        runtime.close(wait=started)


def _create_app(settings: Settings, *, http: bool, workers: int, threads: bool) -> KeelApp:
    """The Slack app and its runtime, models not loaded yet (:func:`_warm_up` does that)."""
    from bot.app import SlackConfigError, check_tokens, create_app
    from bot.service import KeelService
    from graphs.llm import ModelConfigError

    try:
        check_tokens(settings, http=http)  # before anything else is built: a missing token fails at once
        service = KeelService.from_settings(settings)  # thread locks shared with the worker processes
        return create_app(settings, http=http, service=service, workers=workers, processes=not threads)
    except (SlackConfigError, ModelConfigError) as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def _connect(app: KeelApp, settings: Settings) -> SocketModeHandler:
    from slack_sdk.errors import SlackApiError

    from bot.client import secret
    from bot.serving import socket_mode_handler

    handler = socket_mode_handler(app, secret(settings.slack_app_token))
    try:
        handler.connect()
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown_error")
        fail(f"Slack refused SLACK_APP_TOKEN ({error}): it needs the connections:write scope. See docs/slack.md.")
    return handler


def _warm_up(runtime: KeelRuntime, threads: bool) -> None:
    """Load the models after Slack can reach Keel: in this process (``--threads``), or in every answer
    worker process. Questions that came meanwhile are already queued."""
    from bot.answering import ProcessAnswering
    from graphs.llm import ModelConfigError

    answering = runtime.answering
    if threads or not isinstance(answering, ProcessAnswering):
        try:
            runtime.service.warm_up()
        except ModelConfigError as exc:
            fail(str(exc))
        return
    try:
        answering.warm_up()
    except Exception as exc:  # e.g. a model setting the workers cannot load: they logged why
        fail(f"Keel's answer workers could not start ({type(exc).__name__}); the log above says why.")


def _workers(workers: int, threads: bool) -> str:
    return f"{workers} answer {'threads' if threads else 'processes'}"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("slack_bolt", "httpx"):  # Bolt logs refused bodies; httpx every Chroma/LLM request
        logging.getLogger(noisy).setLevel(logging.WARNING)
