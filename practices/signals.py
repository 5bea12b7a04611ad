"""What the people records tell the apps above them.

The plan assigns tasks to people, so it sits above them: when an outside contact joins the practice
the people records send this signal and the plan moves the contact's open tasks to the new account
(tasks/apps.py connects it), so this app never imports the plan.
"""

from django.dispatch import Signal

# Sent with contact= (the Stakeholder entry about to become the user's), user= and by=, inside the
# transaction that accepts the invitation, before the entry changes.
contact_joined = Signal()
