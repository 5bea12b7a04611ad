"""Which models keep an audit trail, and how. tests/audit/test_audit.py holds the code to this.

Every model of the apps below either has django-simple-history (`history = HistoricalRecords()`),
so each save and delete writes a row saying who and when, or is listed here with the reason its own
columns are the record (or why it is the system's own bookkeeping, not a change anyone makes).
Bulk writes on these models that skip history (QuerySet.update, bulk_create, bulk_update) carry a
comment starting "Audit:" that says why nothing is lost.
"""

AUDITED_APPS = ["cutover", "practices", "tasks", "reentry", "reminders", "api", "calendars", "lifecycle"]

# Models whose rows are their own record: written once with who and when (and never edited), or
# claimed by a conditional UPDATE whose columns say who and when.
SELF_RECORDED = {
    "practices.User": (
        "Accounts, not cutover data: created by administrators (the admin's log records it) and by "
        "invitations (the Invitation row records it); allauth emails the person on password and "
        "two-factor changes."
    ),
    "practices.Invitation": "invited_by and created_at; accepted_by and accepted_at; replaced_at.",
    "practices.StakeholderConfirmation": "confirmed_by and confirmed_at, written once.",
    "tasks.TaskNote": "author and created_at; notes are never edited.",
    "tasks.TaskDueDateChange": "changed_by, changed_at, old and new date and the reason; never edited.",
    "reentry.AccessEvent": "It is itself the access record (user, at, action), and can never be deleted.",
    "api.ApiToken": "A person's own credential: user and created_at, written once; revoked_at set once.",
    "api.ApiWrite": "It is itself the record of a write through the API (user, token, at, path, answer).",
}
# Records the system keeps about its own work, not changes people make, so outside the audit (and
# free to be claimed and updated in bulk: see the reminder sweep in reminders/sweep.py).
SYSTEM_RECORDS = {
    "reminders.ReminderLog": "Written by the reminder sweep; its status columns are the send record.",
    "reminders.ReminderOptOut": "An address and when it opted out of optional emails.",
    "calendars.EventSequence": "The SEQUENCE number a calendar event was last published with.",
}
