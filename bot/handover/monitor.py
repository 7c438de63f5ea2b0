"""Reminders for hand-overs nobody answered: remind the experts once after the policy's time, then tag
the backup group after the same time again. Only during working hours (Monday to Friday, the policy's
``working_hours`` in local time).

Everything the monitor knows is in the store (``reminded_at``, ``backup_notified_at``), so a restarted
process picks up where the last one stopped. The clock is a parameter: tests pass ``now`` instead of
sleeping. ``keel serve`` calls :meth:`HandoverMonitor.tick` once a minute on a background thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from bot.handover import blocks
from bot.handover.desk import Handovers
from bot.reply import post_notice
from bot.store import Database
from bot.store.db import utc_now
from bot.store.handovers import due_for_backup, due_for_reminder, mark_backup_notified, mark_reminded, pending_handovers
from graphs.policy import HandoverPolicy

log = logging.getLogger(__name__)

TICK_SECONDS = 60
# A hand-over younger than this may still be announcing on another process (an answer worker, another
# instance): only older ones missing their announcement count as cut off by a crash.
ANNOUNCE_GRACE = timedelta(minutes=2)


def within_working_hours(now: datetime, policy: HandoverPolicy, tz: tzinfo | None = None) -> bool:
    local = now.astimezone(tz)
    if local.weekday() >= 5:
        return False
    start, end = (part.strip() for part in policy.working_hours.split("-"))
    begin = time.fromisoformat(start)
    finish = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
    return begin <= local.time() < finish


class HandoverMonitor:
    def __init__(self, handovers: Handovers, tz: tzinfo | None = None) -> None:
        self.handovers = handovers
        self.tz = tz  # None: the machine's local time zone

    def tick(self, now: datetime | None = None) -> list[tuple[str, str]]:
        """Do what is due at ``now``; returns (turn id, "reminded" | "backup" | "announced") for each action."""
        now = now or utc_now()
        done = self._finish_cut_off_announcements(now)
        policy = self.handovers.channel_policy(None).handover
        if not within_working_hours(now, policy, self.tz):
            return done
        after = timedelta(minutes=policy.reminder_minutes)
        with self.handovers.db() as db:
            reminders = due_for_reminder(db, after, now)
            backups = [
                row
                for row in due_for_backup(db, 2 * after, now)
                if row.get("reminded_at") and datetime.fromisoformat(row["reminded_at"]) <= now - after
            ]
        for row in reminders:
            if self._claim(row["id"], now, mark_reminded):
                self._post(row, blocks.reminder_text(row["experts"], policy.reminder_minutes))
                done.append((row["turn_id"], "reminded"))
        for row in backups:
            if self._claim(row["id"], now, mark_backup_notified):
                backup = self.handovers.channel_policy(row["channel"]).backup_experts
                if backup:
                    self._post(row, blocks.backup_text(backup))
                done.append((row["turn_id"], "backup"))
        return done

    def _claim(self, handover_id: int, now: datetime, mark: Callable[[Database, int, datetime], bool]) -> bool:
        """Mark first, post second: a reminder goes out at most once even if two monitors run (the mark
        checks and sets in one statement, so only one of them wins)."""
        with self.handovers.db() as db:
            return mark(db, handover_id, now)

    def _post(self, row: dict[str, Any], text: str) -> None:
        try:
            post_notice(self.handovers.client, row["channel"], row["thread_ts"], text)
        except Exception:
            log.exception("could not post a hand-over reminder in %s", row["thread_id"])

    def _finish_cut_off_announcements(self, now: datetime) -> list[tuple[str, str]]:
        """Hand-overs whose announcement a crash cut off are announced now (re-arming after a restart)."""
        done = []
        with self.handovers.db() as db:
            unannounced = [
                r
                for r in pending_handovers(db)
                if not r.get("announcement_ts") and datetime.fromisoformat(r["created_at"]) <= now - ANNOUNCE_GRACE
            ]
        for row in unannounced:
            if self.handovers.desk.status(row["turn_id"]) == "starting":
                self.handovers.desk.resume_announcement(row["turn_id"])
                done.append((row["turn_id"], "announced"))
        return done

    def run_in_background(self, every: float = TICK_SECONDS) -> threading.Event:
        """Tick every ``every`` seconds on a daemon thread until the returned event is set."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.tick()
                except Exception:
                    log.exception("the hand-over monitor failed; trying again in a minute")

        threading.Thread(target=loop, name="keel-handover-monitor", daemon=True).start()
        return stop
