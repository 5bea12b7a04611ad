"""Reminders: the rules, and the sweep and sender that turn them into emails sent once and on time.

How a reminder travels
----------------------
1. The one beat entry (``reminders-sweep`` in settings) runs ``jobs.sweep_reminders`` every few minutes.
2. ``reminders_sweep()`` (``sweep.py``) works out from the database what is due now: every rule in
   ``rules.RULES`` lists the reminders of the active migrations, and the timing rules (``timing.py``)
   keep those due today. It inserts one ``ReminderLog`` row per (migration, kind, recipient, due
   date), ignoring rows that already exist. That insert is the idempotency key: a second sweep, or a
   second beat, adds nothing.
3. After commit it enqueues one send job per ready row, passing the row's id and nothing else.
4. ``reminder_send()`` (``send.py``) claims the row with a conditional UPDATE (pending to sending);
   only the worker whose UPDATE changed the row goes on. It checks the reminder is still due for the
   migration's current dates and people, sends the email, and marks the row sent.

Nothing is queued with a long countdown: a failed send goes back to pending with
``next_attempt_at`` (5, 10, 20, 40 minutes, doubling) and a later sweep enqueues it again; after
``REMINDER_MAX_ATTEMPTS`` tries it is shown as failed. A sweep also enqueues again any pending row
whose job never ran (the broker was down, or lost the message), and reclaims a row left "sending"
for longer than ``REMINDER_CLAIM_TIMEOUT_MINUTES`` by a worker that died.

When a reminder is due (the send time, working days, catching up): see ``timing.py``.

Rescheduling: the due date is part of the row's key, so when FDP or go-live moves, the new dates
make new rows; rows already sent stay in the log; a pending row for the old date is cancelled by
the sender, which checks right before sending that the reminder is still due.

Exactly once, honestly: the claim makes sure at most one worker sends a row at a time, and a sent
row is never sent again. One window is left: if a worker hands the email to the mail server and
dies before it marks the row sent, the row stays "sending", a later sweep reclaims it after the
timeout and the email goes a second time. That window is the few milliseconds between the mail
server accepting the message and one UPDATE; closing it would need the mail server to take part
in our transaction. A worker that dies before sending (the usual case) costs a delay, not an email.

Adding a rule: in ``rules.py``, write a function that takes a ``Batch`` and yields ``Due`` items,
decorate it with ``@rule`` (or ``@per_migration`` for one migration at a time), register its kinds
with ``kind()`` in ``kinds.py``, and add its three templates in ``templates/reminders/emails/``. A
rule that needs more data (tasks, outside contacts) runs one set-based query over
``batch.migrations`` so the sweep's query count does not grow with the number of migrations.

Microsoft Teams: a channel (``TeamsChannel``) that chose an event gets one message when the
reminder of that kind is due today (``teams_rules.py``). It is a ``ReminderLog`` row with
``channel`` set, keyed (migration, kind, channel, due date), so steps 2 to 4 above hold for it
unchanged: the sender posts an Adaptive Card (``teams.py``) instead of sending an email, and a
webhook that fails is retried and then shown as failed, apart from the emails of the same day.
Two Teams events have no reminder behind them: "a migration turned red" and "a sign-off". The
dashboard (which owns the RAG rules) and the lifecycle app (which owns sign-offs) sit above this app:
they notice the event and log the rows through ``teams_announced.py``.

The modules, one job each: ``kinds`` (the kinds, and ``Due``), ``recipients`` (who a reminder may
go to, loaded in one query), ``rules``, ``timing``, ``sweep``, ``send``, ``optout`` (unsubscribe
links) and ``panel`` (the migration page's section); ``jobs``, ``views``, ``urls`` and the
``send_reminders`` command call them. ``models`` holds ``ReminderLog`` and ``ReminderOptOut``.
"""
