"""What the re-entry log tells the apps above it.

The plan's re-entry tasks follow the log (tasks/following.py), but the plan sits above the log:
the log sends this signal in the transaction of each change and the plan keeps its tasks in step,
so the log never imports the plan.
"""

from django.dispatch import Signal

# Sent with migration=, kinds= (the kinds of entry that changed) and by= (who changed them), inside
# the change's transaction: a receiver that raises rolls the change back.
entries_changed = Signal()
