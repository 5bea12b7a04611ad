"""Printed cutover papers: the whole pack for the wall (practice, suppliers, key dates, people,
linked systems, the plan as a hand-tick checklist and the paper re-entry forms), the plan alone and
the re-entry worklist alone. Pages only: every fact is read from the app that owns it."""
