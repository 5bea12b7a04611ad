"""What the plan tells the apps above it.

Recording or clearing the planning meeting changes which reminders are due, but the reminders sit
above the plan: the plan sends this signal and reminders/apps.py works the reminders out again.
"""

from django.dispatch import Signal

# Sent with migration= after its planning meeting was recorded or cleared, inside the transaction.
planning_meeting_changed = Signal()
