"""``keel serve``: run the Slack bot, in Socket Mode (default) or HTTP mode (``--http``)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Annotated

import typer

from bot.cli.output import console, fail

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
    from slack_sdk.errors import SlackApiError

    from bot.app import SlackConfigError, check_tokens, create_app
    from bot.service import KeelService
    from bot.serving import HttpServer, socket_mode_handler
    from config.settings import get_settings
    from graphs.llm import ModelConfigError

    _configure_logging()
    # Hand the GIL over every 1 ms instead of 5: acking Slack is a few short steps on several threads, and
    # with the answer workers busy each step would otherwise wait up to 5 ms for its turn.
    sys.setswitchinterval(0.001)
    settings = get_settings()
    workers = workers or min(4, os.cpu_count() or 1)
    try:
        check_tokens(settings, http=http)  # before loading any model: a missing token fails in a second
        service = KeelService.from_settings(settings)  # thread locks shared with the worker processes
        if threads:
            service.warm_up()
        app = create_app(settings, http=http, service=service, workers=workers, processes=not threads)
    except (SlackConfigError, ModelConfigError) as exc:
        fail(str(exc))
        return
    runtime = app.keel  # type: ignore[attr-defined]
    if not threads:
        try:
            runtime.answering.warm_up()
        except Exception as exc:  # e.g. a model setting the workers cannot load: they logged why
            runtime.close(wait=False)
            fail(f"Keel's answer workers could not start ({type(exc).__name__}); the log above says why.")
    from bot.handover.monitor import HandoverMonitor

    # Reminders and the backup group for unanswered hand-overs, once a minute (state in the log, so a
    # restart picks up where the last process stopped).
    stop_monitor = HandoverMonitor(runtime.handovers).run_in_background()
    # SIGTERM (a platform stopping the dyno/container) ends the loop like Ctrl-C, so answers in flight finish.
    signal.signal(signal.SIGTERM, _interrupt)
    handler = None
    try:
        if http:
            server = HttpServer(app, host=host, port=port)
            console.print(f"Keel is serving Slack over HTTP ({_workers(workers, threads)}). Ctrl-C stops.")
            server.run()  # returns on Ctrl-C / SIGTERM (waitress handles the interrupt itself)
        else:
            handler = socket_mode_handler(app, settings.slack_app_token.get_secret_value())  # type: ignore[union-attr]
            try:
                handler.connect()
            except SlackApiError as exc:
                error = exc.response.get("error", "unknown_error")
                fail(
                    f"Slack refused SLACK_APP_TOKEN ({error}): it needs the connections:write scope. See docs/slack.md."
                )
            console.print(f"Keel is connected to Slack (Socket Mode, {_workers(workers, threads)}). Ctrl-C stops.")
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        console.print("Stopping: finishing the questions already accepted…")
        stop_monitor.set()
        if handler is not None:
            handler.close()
        runtime.close(wait=True)


def _workers(workers: int, threads: bool) -> str:
    return f"{workers} answer {'threads' if threads else 'processes'}"


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("slack_bolt", "httpx"):  # Bolt logs refused bodies; httpx every Chroma/LLM request
        logging.getLogger(noisy).setLevel(logging.WARNING)
