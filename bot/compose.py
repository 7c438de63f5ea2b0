"""The composition root: every long-lived object of a Keel process is built here, in dependency order,
each through its constructor (nothing is finished by setting attributes afterwards).

- :func:`build_runtime`: the Slack process (``keel serve``, and every test that starts Keel through
  :func:`bot.app.create_app`): the state file, the ledgers, the admin desk, the hand-over desk, the
  answer workers, and the :class:`KeelRuntime` the listeners share.
- :func:`build_answer_worker`: one answer worker process (its own client, graph, log writer and state
  file). :func:`start_answer_worker` is the worker pool's initialiser that calls it.

Both build hand-overs with :func:`build_handovers`, so a worker's hand-overs are the Slack process's
without what only the Slack process does (learning, admin checks, recognising its own user).
"""

from __future__ import annotations

import contextlib
import logging
import os
from multiprocessing.util import Finalize

from slack_sdk import WebClient

from bot.admins import AdminAccess, AdminDesk
from bot.answering import DEFAULT_WORKERS, Answering, AnswerWorker, ProcessAnswering, serve_in_this_process
from bot.client import make_web_client
from bot.dedupe import EventLedger
from bot.handover.authority import AdminCheck
from bot.handover.desk import Handovers
from bot.handover.learning import Learning
from bot.inflight import InFlight, tell_interrupted
from bot.knowledge_ops import KnowledgeOps
from bot.pause import PauseSwitch
from bot.runtime import KeelRuntime
from bot.service import AgentPool, KeelService, StoreTurnLog
from bot.store.state import StateDB, state_path
from bot.store.writer import LogWriter
from bot.threads import KnownThreads
from bot.workers import TrackedExecutor
from config.settings import Settings
from graphs.context import knowledge_base
from knowledge.base import KnowledgeBase

log = logging.getLogger(__name__)

LISTENER_THREADS = 16  # Bolt's handlers only ack, claim and queue: many can run while workers answer
WORKER_NICE = 5  # worker processes give way to the Slack process, whose threads must ack within ms


def build_runtime(
    settings: Settings,
    client: WebClient,
    *,
    bot_user_id: str,
    service: KeelService | None = None,
    workers: int = DEFAULT_WORKERS,
    processes: bool = False,
) -> KeelRuntime:
    """Everything the Slack process's listeners share. ``service`` records votes and hand-over requests
    and, unless ``processes``, answers too; with ``processes`` the answers come from ``workers`` worker
    processes (each built by :func:`build_answer_worker`). The askers whose answers a gone process lost
    are told here, before the first new event is taken."""
    service = service or KeelService.from_settings(settings)
    state = StateDB(state_path(settings))
    threads = KnownThreads(state)
    in_flight = InFlight(state)
    kb = _answers_knowledge_base(settings, service)
    admin = build_admin_desk(settings, service, state, kb)
    handovers = build_handovers(
        settings,
        client,
        service,
        bot_user_id=bot_user_id,
        knowledge=Learning(kb),  # learned answers go into the knowledge base the answers come from
        # An admin for a hand-over is an admin as for /keel (the policy's, and the workspace's admins and owners).
        is_admin=lambda user: admin.access.is_admin(client, user),
    )
    answering: Answering | ProcessAnswering
    if processes:
        answering = ProcessAnswering(settings, workers, start_worker=start_answer_worker)
    else:  # worker processes note their drafts in their own InFlight (build_answer_worker)
        answering = Answering(service, threads, workers, handovers=handovers, drafts=in_flight)
    runtime = KeelRuntime(
        service=service,
        answering=answering,
        ledger=EventLedger(state),
        threads=threads,
        state=state,
        bot_user_id=bot_user_id,
        listeners=TrackedExecutor(LISTENER_THREADS, "keel-listener"),
        handovers=handovers,
        admin=admin,
        in_flight=in_flight,
    )
    tell_interrupted(in_flight, client, service.turn_log, threads)  # questions a killed process was answering
    return runtime


def build_admin_desk(settings: Settings, service: KeelService, state: StateDB, kb: KnowledgeBase) -> AdminDesk:
    """The admin desk writes its audit rows and ingest runs through the service's log writer when it has
    one (one writer per process), else through a writer of its own."""
    turn_log = service.turn_log
    own: LogWriter | None = None
    if isinstance(turn_log, StoreTurnLog) and isinstance(turn_log.writer, LogWriter):
        writer = turn_log.writer
    else:
        writer = own = LogWriter(settings.log_path)
    return AdminDesk(
        access=AdminAccess(service, writer),
        ops=KnowledgeOps(settings, kb, writer),
        pause=PauseSwitch(state),
        pool=TrackedExecutor(1, "keel-admin"),
        model=settings.llm,
        own_writer=own,
    )


def build_handovers(
    settings: Settings,
    client: WebClient,
    service: KeelService,
    *,
    bot_user_id: str | None = None,
    knowledge: Learning | None = None,
    is_admin: AdminCheck | None = None,
) -> Handovers:
    """Hand-overs for this process, sharing the answer graphs' thread memory when it is here (one SQLite
    connection per process)."""
    pool = service.answerer_for
    return Handovers(
        settings,
        client,
        service.channel_policy,
        bot_user_id=bot_user_id,
        knowledge=knowledge,
        checkpointer=pool.checkpointer if isinstance(pool, AgentPool) else None,
        is_admin=is_admin,
    )


def build_answer_worker(settings: Settings) -> AnswerWorker:
    """One answer worker process's parts: its own graph (models loaded now), log writer, client and state
    file. A turn it hands over brings people in; it does not learn or check admins (the Slack process does)."""
    service = KeelService.from_settings(settings)
    service.warm_up()
    state = StateDB(state_path(settings))
    client = make_web_client(settings)
    handovers = build_handovers(settings, client, service)
    return AnswerWorker(client, service, KnownThreads(state), state, handovers, InFlight(state))


def start_answer_worker(settings: Settings, log_level: int) -> None:
    """The answer pool's initialiser: runs once in each new worker process."""
    with contextlib.suppress(AttributeError, OSError):  # not on every platform
        os.nice(WORKER_NICE)
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s[%(process)d]: %(message)s")
    worker = build_answer_worker(settings)
    serve_in_this_process(worker)
    # Worker processes end without running atexit handlers; Finalize runs (the log is flushed first).
    Finalize(worker, worker.close, exitpriority=10)


def _answers_knowledge_base(settings: Settings, service: KeelService) -> KnowledgeBase:
    """The knowledge base the answer graphs search, when they are in this process; else one opened here."""
    pool = service.answerer_for
    return pool.kb if isinstance(pool, AgentPool) else knowledge_base(settings)
