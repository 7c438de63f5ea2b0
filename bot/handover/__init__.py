"""Hand-over to people in Slack: announce in the thread, resolve on an expert's reply, remind, learn.

``graphs/handover.py`` is the Slack-free graph that pauses at ``interrupt()``; this package is its
Slack side: :mod:`bot.handover.desk` (start, resolve), :mod:`bot.handover.authority` (who may resolve
and approve: the people a hand-over was sent to, or an admin), :mod:`bot.handover.notifier` (the
idempotent Slack posts), :mod:`bot.handover.blocks` (pure Block Kit), :mod:`bot.handover.monitor`
(reminders), :mod:`bot.handover.learning` (answers into the knowledge base, scoped to their channel).
"""
