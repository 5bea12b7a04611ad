"""Load the default plan: every task of NHS England's "Planning for cutover" page, in our own words.

The data lives here rather than in app code so that this migration always loads what it loaded
the first time; later changes to the defaults belong in a new migration (or the admin).
Running it on a database that already has an item with the same key changes nothing. Going
backwards leaves the items alone: tasks may point at them, and 0001 drops the table anyway.
"""

from django.db import migrations

# key, phase, title, what to do, why it matters, what done looks like,
# anchor, working days, direction, usually done by, dispensing practices only
ITEMS = [
    # Preparation: all of it finished by FDP at the latest.
    (
        "planning-meeting",
        "preparation",
        "Hold the cutover planning meeting",
        "Bring together everyone with a part to play: partners and clinicians, reception and admin leads, the IT "
        "lead, your ICB and IT delivery partner contacts, and both clinical system suppliers. Walk through the "
        "dates, agree how each kind of work will be recorded while the old system is frozen, and name an owner "
        "for each task on this plan.",
        "Cutover goes smoothly when people already know what to do on FDP morning. Meeting at least four weeks "
        "ahead leaves time to close gaps, order equipment and brief the people who were not in the room.",
        "The meeting has happened, its decisions and owners are written down and shared, and the date it was "
        "held is recorded on the migration.",
        "planning_meeting_due", 0, "before", "practice_manager", False,
    ),
    (
        "notify-third-parties",
        "preparation",
        "Tell third parties and linked services about the switch",
        "List every outside organisation and connected system that sends to or reads from your clinical system, "
        "for example pathology, document workflow, online consultation, pharmacy and messaging services. Give "
        "each one the FDP and go-live dates and ask them to turn off their links one to two working days "
        "before FDP.",
        "Anything that lands in the old system after its final extract is not carried across. Links switched "
        "off in good time stop results and letters arriving where nobody will look for them.",
        "Every service on the list has confirmed the dates and when it will turn its link off, and the "
        "confirmations are noted on this task.",
        "fdp", 15, "before", "practice_manager", False,
    ),
    (
        "backup-third-party-systems",
        "preparation",
        "Back up the data your supplier does not back up",
        "Ask the current supplier exactly what their final extract and backups cover. For anything left out, "
        "such as local databases, spreadsheets or standalone third-party systems, take your own backup and "
        "check that it opens.",
        "The migration only brings across what the supplier extracts. A local record with no copy could be "
        "lost for good once the old set-up is switched off.",
        "Each system outside the supplier's cover has a recent backup kept somewhere safe, and someone has "
        "confirmed the backup can be read back.",
        "fdp", 5, "before", "it_lead", False,
    ),
    (
        "plan-third-party-suppliers",
        "preparation",
        "Agree a plan with each third-party supplier",
        "For each third-party product the practice relies on, such as document scanning and management tools "
        "(DocMan or Apollo Scan, for instance), find out what has to happen for it to work with the new "
        "clinical system: new settings, new licences, a visit or a remote session. Put the dates in the diary.",
        "Third-party products are usually tied to the clinical system beside them. Without a plan they can "
        "stop working at go-live and leave work piling up.",
        "Every third-party supplier has an agreed date and a named contact for its part of the change, written "
        "down where the team can find it.",
        "fdp", 15, "before", "practice_manager", False,
    ),
    (
        "export-templates",
        "preparation",
        "Export letter and clinical templates",
        "Export the letter templates, clinical templates and protocols the practice has built up in the current "
        "system, so they can be brought into the new system on go-live day. Trainers or the new supplier can "
        "help with the file formats.",
        "Templates hold years of local work. They are not always part of the data migration, and rebuilding "
        "them by hand is slow and easy to get wrong.",
        "The exported files are saved in an agreed place, with a list of what was exported, ready to import "
        "at go-live.",
        "fdp", 3, "before", "it_lead", False,
    ),
    (
        "new-registrations",
        "preparation",
        "Decide how new patients register during cutover",
        "Online registration stops during cutover, but people can still register in person. Agree who takes "
        "these registrations, which form they fill in, where the paperwork is kept, and how any consultation "
        "or prescription request for a new patient is written down.",
        "New patients cannot be added to either system while the data moves. Their details, and any care they "
        "receive meanwhile, must be kept safe so they can be fully registered (GMS) and their record completed "
        "after go-live.",
        "The process is written down, the forms are ready and the reception team knows what to do.",
        "fdp", 10, "before", "practice_manager", False,
    ),
    (
        "clear-outstanding-work",
        "preparation",
        "Clear inboxes, workflows and open tasks",
        "Work through clinical and admin inboxes, document workflows and open communication tasks, such as "
        "pathology results and registration tasks, so that nothing is left half done in the old system.",
        "Items still waiting in the old system at FDP may not arrive in a usable state. Finishing them first "
        "means nothing falls between the two systems.",
        "On FDP day the inboxes and queues are empty, or each remaining item has been written down for "
        "re-entry.",
        "fdp", 0, "before", "practice_staff", False,
    ),
    (
        "log-off-requirements",
        "preparation",
        "Confirm the log-off time for the final extract",
        "Ask the current supplier whether everyone must be signed out while the final extract runs, and from "
        "what time. Tell the whole team, and move clinics, rotas and remote sessions so nobody is left signed "
        "in.",
        "One person still signed in can hold up or spoil the final extract and push back go-live for the "
        "whole practice.",
        "The supplier has confirmed the log-off time and every member of staff has been told it.",
        "fdp", 5, "before", "it_lead", False,
    ),
    (
        "dispensary-stock-rundown",
        "preparation",
        "Run down dispensary stock",
        "In the weeks before cutover, order only what you need so stock is as low as is safe, and keep a count "
        "of what is left.",
        "Stock levels do not move across with patient records. Every item still on the shelves has to be keyed "
        "into the new system by hand, so less stock means less typing and fewer mistakes.",
        "Stock is at the lowest safe level and an up-to-date count is ready for re-entry after go-live.",
        "fdp", 1, "before", "practice_manager", True,
    ),
    (
        "smartcards",
        "preparation",
        "Check smartcards and card readers",
        "Make sure everyone who will use the new system has a working smartcard with the right access, and "
        "that the card reader works on each computer they will use. Renew or unlock cards close to expiry.",
        "Nobody can sign in to the new system without a working card, and a faulty card found on go-live "
        "morning holds up clinics.",
        "Every user has tried their card on a working reader and any problem found has been fixed.",
        "fdp", 10, "before", "it_lead", False,
    ),
    # During cutover: one task per area of the patient record, each saying how to keep it for re-entry.
    (
        "cutover-appointments",
        "during_cutover",
        "Keep track of appointments",
        "Agree where appointments are booked during cutover (a paper diary, a shared spreadsheet, or the new "
        "system if the supplier allows it) and keep one list for the whole team with the patient, date, time, "
        "clinician and reason.",
        "Bookings made in the old system after FDP do not move across. One list prevents double bookings and "
        "lets the appointment book be rebuilt.",
        "Every appointment made during cutover is on the list and has been checked against the new system's "
        "appointment book.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-consultations",
        "during_cutover",
        "Record consultations for re-entry",
        "Clinicians write up each consultation the agreed way, for example on a standard form, with the date, "
        "clinician, history, findings, codes and actions.",
        "Notes written after FDP are not migrated. Without a record to re-enter, the patient's history in the "
        "new system would have a hole in it.",
        "Every consultation from cutover is written up in one place, ready to enter into the new system.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-home-visits",
        "during_cutover",
        "Record home visits",
        "Log each home visit asked for and made during cutover: who asked, who visited, when, and what was "
        "done or prescribed.",
        "Notes made away from the practice are easy to lose. Logging them in one place gets them into the new "
        "record.",
        "Every home visit from cutover is on the log with its notes.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-telephone-calls",
        "during_cutover",
        "Log telephone calls",
        "Keep a log of clinical calls and significant admin calls: caller, patient, date and time, what was "
        "discussed and what was agreed.",
        "Advice given on the phone is part of the patient's record. If it is not written down now it cannot be "
        "added later.",
        "Calls from cutover are logged and every follow-up has someone responsible for it.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-prescriptions",
        "during_cutover",
        "Handle prescriptions during cutover",
        "Agree how acute and repeat prescriptions are issued during cutover, for example on paper or through "
        "the supplier's workaround, and note each item issued: patient, medicine, dose, quantity, prescriber "
        "and date.",
        "The new system needs a complete medication history. Items issued during cutover must be added so that "
        "repeats and safety checks work after go-live.",
        "Every prescription issued during cutover is listed and ready to add to the new system.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-registrations",
        "during_cutover",
        "Manage registrations during cutover",
        "Follow the process agreed before FDP for people registering in person: keep their completed forms "
        "together, and log any deduction, change of address or other change for existing patients.",
        "Registration changes made now are not migrated. Keeping the paperwork together means each patient can "
        "be set up properly after go-live.",
        "All registration paperwork from cutover is filed together with a list of what needs doing.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-pathology",
        "during_cutover",
        "Handle pathology results",
        "Agree with the lab how results reach the practice while the electronic link is off, for example by "
        "secure email or printed report. Make sure a clinician reviews each one, and keep a copy to file in the "
        "new record.",
        "Results arrive by a different route while links are off. Abnormal results still need acting on, and "
        "every result belongs in the patient's record.",
        "Every result received during cutover has been reviewed, acted on where needed and set aside for the "
        "new system.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-referrals",
        "during_cutover",
        "Process referrals",
        "Send urgent and routine referrals by the agreed route during cutover and log each one: patient, "
        "service, date, urgency and how it was sent.",
        "A referral nobody recorded is easy to lose track of. The log lets you chase replies and add each "
        "referral to the new record.",
        "All referrals from cutover are logged with how they were sent, ready to be entered.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-scanning",
        "during_cutover",
        "Hold documents back for scanning",
        "Stop scanning into the old system. Keep incoming paper and electronic documents in date order in a "
        "safe place, each marked with the patient, until they can be scanned or filed in the new system.",
        "Documents filed in the old system after FDP do not move across. Holding them back means each one is "
        "filed once, in the right place.",
        "Every document received during cutover is kept together, in order, ready to scan after go-live.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-screening",
        "during_cutover",
        "Redirect screening services",
        "Tell each screening programme that sends results or invitations electronically, such as cervical "
        "screening, where to send them while links are off, and check that the other route works.",
        "Screening results must never go astray. With the usual route switched off, they need a safe place to "
        "arrive.",
        "Each screening service has confirmed where it will send results during cutover.",
        "fdp", 0, "before", "practice_manager", False,
    ),
    (
        "cutover-111-correspondence",
        "during_cutover",
        "Manage 111 messages and clinical correspondence",
        "Name who checks NHS 111 messages, discharge letters and other clinical post during cutover, and how "
        "each arrives. Act on anything urgent and keep every item for the new record.",
        "These messages often need a same-day response. With the normal routes interrupted, a named person "
        "makes sure none is missed.",
        "All messages and letters from cutover have been read, acted on where needed and kept for the new "
        "record.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-out-of-hours",
        "during_cutover",
        "Keep out-of-hours reports",
        "Collect every out-of-hours report that arrives during cutover, review it as usual, and keep it with "
        "the documents waiting for the new system.",
        "An out-of-hours contact can change a patient's care. The report needs to be seen now and kept for the "
        "record.",
        "Out-of-hours reports from cutover are reviewed and kept with the other documents for re-entry.",
        "go_live", 0, "after", "practice_staff", False,
    ),
    (
        "cutover-pause-summarising",
        "during_cutover",
        "Pause summarising and routine data entry",
        "Stop summarising notes and routine coding from FDP until go-live, and tell the people who do it. Keep "
        "the waiting work together and pick it up again in the new system.",
        "Work done in the old system after FDP would have to be done twice. Pausing saves time and avoids "
        "entries being lost or duplicated.",
        "Summarisers and data-entry staff have stopped, and the paused work is set aside to restart after "
        "go-live.",
        "fdp", 0, "before", "practice_manager", False,
    ),
    # Go-live and after.
    (
        "links-back-on",
        "after_go_live",
        "Switch third-party links back on and test each one",
        "Working from the list of linked services made before FDP, ask each one to connect to the new system, "
        "then send or receive a test item through every link.",
        "A link that looks connected but delivers nothing can hide results or messages for days. Testing each "
        "one finds problems early.",
        "Every link on the list is back on and a test item has gone through it.",
        "go_live", 1, "after", "it_lead", False,
    ),
    (
        "import-templates",
        "after_go_live",
        "Import the exported templates",
        "Bring the templates exported before FDP into the new system, check they look right and fix any that "
        "did not convert cleanly.",
        "Staff rely on familiar letters and templates from the first day. Having them ready keeps clinics "
        "running at their usual pace.",
        "Every template on the export list is in the new system and has been checked.",
        "go_live", 0, "after", "it_lead", False,
    ),
    (
        "re-register-new-patients",
        "after_go_live",
        "Re-register patients who joined during cutover",
        "Using the forms kept during cutover, give each new patient a full GMS registration in the new system, "
        "then add whatever was recorded for them during cutover.",
        "People who registered in person during cutover are on neither system yet. Until they are registered "
        "properly they cannot be booked, prescribed for or counted.",
        "Every patient who joined during cutover is fully registered in the new system with their cutover "
        "records added.",
        "go_live", 5, "after", "practice_staff", False,
    ),
    (
        "re-enter-cutover-records",
        "after_go_live",
        "Re-enter everything recorded during cutover",
        "Work through the cutover records (appointments, consultations, visits, calls, prescriptions, results, "
        "referrals and documents) and enter each into the new system, noting who entered it.",
        "Until it is re-entered, the care given during cutover is missing from the patient's record, and that "
        "is a safety risk.",
        "Every item recorded during cutover is in the new system and checked, and the temporary records are "
        "kept or destroyed under the practice's records policy.",
        "go_live", 10, "after", "practice_staff", False,
    ),
    (
        "re-enter-dispensary-stock",
        "after_go_live",
        "Re-enter dispensary stock",
        "Using the stock count taken before FDP and any deliveries since, enter the dispensary stock into the "
        "new system and check the balances against the shelves.",
        "Dispensing from the new system needs accurate stock levels, and stock does not migrate with patient "
        "records.",
        "Stock levels in the new system match a physical count.",
        "go_live", 3, "after", "practice_manager", True,
    ),
    (
        "finish-with-legacy-system",
        "after_go_live",
        "Finish with the old system before its support ends",
        "Check whether anyone still needs the old system: reports, audit trails, items that did not migrate or "
        "data the practice must keep. Do that work, or export what is needed, well before support stops.",
        "Once support ends the old system may no longer be available, even to read. Anything still needed has "
        "to be moved or saved first.",
        "Nobody needs the old system any more, anything worth keeping is saved, and the supplier knows it can "
        "be switched off.",
        "legacy_support_end", 5, "before", "practice_manager", False,
    ),
]


def load(apps, schema_editor):
    PlanTemplateItem = apps.get_model("tasks", "PlanTemplateItem")
    for position, row in enumerate(ITEMS, start=1):
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
    dependencies = [("tasks", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
