"""Add the plan's tasks for the lifecycle around the cutover: ordering, kick-off and the technical
survey, pre-migration work, the initial data production (IDP) and data checking, and closing.

In our own words, from the phases of NHS England's clinical system migration guidance. Each is dated
from its lifecycle date (cutover/timeline.py LIFECYCLE_DATES), which a migration sets or leaves to be
worked back from FDP. Only plans created from now on get them; existing plans keep what they have.
"""

from django.db import migrations

# key, phase, title, what to do, why it matters, what done looks like,
# anchor, working days, direction, usually done by, dispensing practices only
ITEMS = [
    # Order
    (
        "order-new-system",
        "preparation",
        "Order the new clinical system",
        "The ICB places the order for the new system in the national tracking database, with the practice's "
        "agreed FDP and go-live dates.",
        "Suppliers schedule their work from the order. Without it there is no extract slot and no go-live "
        "support booked.",
        "The order is placed and its reference is noted on this task.",
        "order", 0, "after", "icb", False,
    ),
    (
        "order-decommissioning",
        "preparation",
        "Order the old system's decommissioning",
        "Alongside the new system, the ICB orders the end of the current system's contract for this practice.",
        "If nobody asks for the old system to be switched off, it goes on being paid for long after the "
        "practice has stopped using it.",
        "The decommissioning order is placed, with the date the old system stops.",
        "order", 0, "after", "icb", False,
    ),
    (
        "request-data-extracts",
        "preparation",
        "Ask the current supplier for the data extracts",
        "Request the extracts the new supplier needs, including any document management and anticoagulation "
        "(INR) data held in separate modules. Suppliers ask for up to five weeks' notice.",
        "A late request can push the extract, and so FDP, back by weeks.",
        "The current supplier has confirmed the extract dates in writing.",
        "fdp", 25, "before", "practice_manager", False,
    ),
    # Kick-off and technical survey
    (
        "kickoff-meeting",
        "preparation",
        "Hold the kick-off meeting",
        "Meet the suppliers, the ICB and the IT delivery partner: agree the timetable, who leads each part, and "
        "a regular weekly slot to check progress until go-live.",
        "Everyone hears the same plan at the same time, and problems surface at the weekly meeting rather "
        "than on FDP morning.",
        "The meeting has happened, the timetable is shared and the weekly meetings are in diaries.",
        "kickoff", 0, "after", "practice_manager", False,
    ),
    (
        "technical-survey",
        "preparation",
        "Have the technical survey done",
        "The IT delivery partner checks the practice's computers, printers, smartcard readers and network "
        "against what the new system needs.",
        "Equipment that does not meet the new system's needs takes weeks to order and install.",
        "The survey is done and anything to replace or upgrade is ordered.",
        "kickoff", 5, "after", "it_lead", False,
    ),
    (
        "technical-requirements-signed",
        "preparation",
        "Sign off the technical requirements",
        "The practice agrees the survey's findings and the work needed before go-live.",
        "A signed list is what the delivery partner works to; anything left off it will not be ready.",
        "The practice has signed off the list and the work has dates.",
        "kickoff", 10, "after", "practice_manager", False,
    ),
    # Pre-migration
    (
        "data-clean-up",
        "preparation",
        "Tidy the records before the first extract",
        "Work through the supplier's data quality reports: duplicate records, patients who have left, "
        "incomplete codes and unfinished tasks.",
        "Every problem left in the old system is copied into the new one, and is harder to find there.",
        "The reports are worked through and what remains is known and explained.",
        "idp", 5, "before", "practice_staff", False,
    ),
    (
        "pds-reconciliation",
        "preparation",
        "Check the practice list against the national patient register",
        "Reconcile the registered list with the Personal Demographics Service and resolve the mismatches.",
        "Mismatched details break links with other services after the switch and can stop messages reaching "
        "the right record.",
        "The mismatches are resolved or listed with a reason.",
        "idp", 5, "before", "practice_staff", False,
    ),
    (
        "tell-patients",
        "preparation",
        "Tell patients about the change",
        "Put up posters, update the website and explain what changes for the NHS App and online services: "
        "online access may pause and some patients may need to link their account again.",
        "Patients who know in advance do not ring the practice in the busiest week of the switch.",
        "Posters, website and messages are out, with the dates.",
        "fdp", 15, "before", "practice_manager", False,
    ),
    (
        "book-training",
        "preparation",
        "Book staff training on the new system",
        "Arrange training for every member of staff two to three weeks before go-live, with the new supplier.",
        "Training too early is forgotten; too late and staff meet the new system for the first time with "
        "patients waiting.",
        "Every member of staff has a training slot.",
        "go_live", 15, "before", "practice_manager", False,
    ),
    # Initial data production and data checking
    (
        "idp-loaded",
        "preparation",
        "Confirm the first extract is loaded",
        "The current supplier takes the initial extract and the new supplier loads it into the new system "
        "for the practice to check.",
        "Data checking can only start once the practice can see its own data in the new system.",
        "The practice can open the checking copy of the new system.",
        "idp", 0, "after", "new_supplier", False,
    ),
    (
        "compare-test-patients",
        "preparation",
        "Compare test patients record by record",
        "Pick about twenty patients with a spread of conditions, medicines and history, and compare each record "
        "in the two systems, and note every difference.",
        "Differences found now can be fixed before FDP; found after go-live, they are in live records.",
        "Every test patient is compared and each difference is logged.",
        "idp", 5, "after", "practice_staff", False,
    ),
    (
        "compare-reports",
        "preparation",
        "Compare the practice's reports in both systems",
        "Run the same QOF, cytology, immunisation and list size reports in both systems and compare the "
        "figures. Any difference needs an explanation.",
        "Reports show in a few numbers whether whole groups of records came across.",
        "Every report is compared and every difference is explained or raised with the supplier.",
        "idp", 5, "after", "practice_staff", False,
    ),
    (
        "recheck-data-issues",
        "preparation",
        "Recheck the issues raised with the supplier",
        "Check that each issue raised during data checking is fixed or has an agreed way round it.",
        "The clinical lead cannot sign off data with open issues nobody has looked at again.",
        "Every issue is fixed, accepted with a reason, or stops the go-ahead.",
        "data_signoff_due", 1, "before", "practice_manager", False,
    ),
    (
        "data-signoff",
        "preparation",
        "Clinical lead signs off the data: go or no-go",
        "The practice's clinical lead reviews the data checking results and says whether FDP can go ahead.",
        "A go-ahead on data nobody has checked carries every error into the new system.",
        "The sign-off is recorded with the decision and any conditions.",
        "data_signoff_due", 0, "before", "practice_manager", False,
    ),
    # Close
    (
        "update-tracking-database",
        "after_go_live",
        "Update the national tracking database",
        "The ICB records that the practice is live on the new system.",
        "Payments to the suppliers, and the end of the old contract, follow from this record.",
        "The tracking database shows the practice as live.",
        "go_live", 10, "after", "icb", False,
    ),
    (
        "deployment-survey",
        "after_go_live",
        "Answer the deployment survey",
        "Fill in the survey about how the migration went.",
        "It tells the suppliers and the NHS what to improve for the next practice.",
        "The survey is submitted.",
        "go_live", 10, "after", "practice_manager", False,
    ),
    (
        "old-system-decommissioned",
        "after_go_live",
        "Confirm the old system is switched off",
        "Check with the ICB that the old system has been decommissioned for the practice once legacy support ends.",
        "Until it is, the NHS keeps paying for it and old logins stay open.",
        "The ICB has confirmed the old system is switched off.",
        "legacy_support_end", 0, "after", "icb", False,
    ),
    (
        "lessons-learned",
        "after_go_live",
        "Write down the lessons learned",
        "Note what went well and what to do differently, to close the migration with.",
        "The next practice, and the practice's own next migration, start from what this one learned.",
        "The lessons are written down and the migration is completed.",
        "go_live", 15, "after", "practice_manager", False,
    ),
]


def load(apps, schema_editor):
    PlanTemplateItem = apps.get_model("tasks", "PlanTemplateItem")
    for position, row in enumerate(ITEMS, start=100):
        key, phase, title, guidance, why, done, anchor, offset, direction, role, dispensing_only = row
        PlanTemplateItem.objects.get_or_create(
            key=key,
            defaults={
                "phase": phase,
                "title": title,
                "guidance": guidance,
                "why_it_matters": why,
                "done_when": done,
                "anchor": anchor,
                "offset_days": offset,
                "direction": direction,
                "default_owner_role": role,
                "dispensing_only": dispensing_only,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("tasks", "0006_lifecycle_anchors")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
