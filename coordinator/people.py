"""Pages for who is involved in a migration, invitations, and the practice's third-party systems.

Every page starts from get_migration_for_user: outsiders get a 404, viewers who may not
change something get a 403. The manager changes people and systems; anyone working at
the practice may record a third-party step; the ICB and delivery partner only look.
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cutover.access import can_edit_migration, get_migration_for_user, refuse_if_closed
from cutover.text import control_characters, control_characters_message, text_from_user
from cutover.timeline import local_today, switch_off_window
from practices import invitations, stakeholders
from practices.clinical_leads import clinical_leads_of, practice_clinical_leads_set
from practices.models import Invitation, Stakeholder, ThirdPartyState, ThirdPartySystem, User
from systems import system_rows, third_party
from systems.national import split_system_rows
from tasks.forms import HandOverForm
from tasks.selectors import assign_options, stakeholder_workload
from tasks.services import tasks_assign_default_owners, tasks_hand_over, tasks_of_stakeholder

from .people_forms import (
    AcceptInvitationForm,
    ClinicalLeadsForm,
    InvitationForm,
    NoLinkedSystemsForm,
    NotApplicableForm,
    StakeholderForm,
    SuggestionsForm,
    ThirdPartySystemForm,
)

# People ------------------------------------------------------------------------------------------


@require_GET
@login_required
def people(request, pk: int):
    migration = get_migration_for_user(request, pk)
    can_edit = can_edit_migration(request.user, migration)
    pending = []
    if can_edit:
        pending = list(
            Invitation.objects.filter(practice=migration.practice, accepted_at__isnull=True, replaced_at__isnull=True)
            .select_related("invited_by")
            .order_by("-created_at")
        )
    return render(
        request,
        "coordinator/people.html",
        {
            "migration": migration,
            "involvement": stakeholders.who_is_involved(migration, workload=stakeholder_workload),
            "confirmed": stakeholders.stakeholders_confirmed(migration),
            "can_edit": can_edit,
            "pending_invitations": pending,
            "clinical_leads": list(clinical_leads_of(migration.practice)),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def clinical_leads(request, pk: int):
    """The manager marks which members are the practice's clinical lead (one or more)."""
    migration = get_migration_for_user(request, pk, edit=True)
    # Bound on any POST: an empty one (nobody ticked) must show its error, not a fresh form.
    form = ClinicalLeadsForm(request.POST if request.method == "POST" else None, practice=migration.practice)
    if request.method == "POST" and form.is_valid():
        try:
            practice_clinical_leads_set(
                practice=migration.practice, members=form.cleaned_data["leads"], by=request.user
            )
        except ValidationError as exc:
            form.add_error("leads", exc.message_dict.get("leads", exc.messages))
        else:
            names = ", ".join(m.user.get_full_name() or m.user.email for m in form.cleaned_data["leads"])
            messages.success(request, f"Clinical lead saved: {names}.")
            return redirect("people", pk=migration.pk)
    return render(request, "coordinator/clinical_leads.html", {"migration": migration, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def people_confirm(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    suggestions = stakeholders.stakeholders_suggest(migration)
    form = SuggestionsForm(request.POST or None, suggestions=suggestions)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            added = stakeholders.stakeholders_confirm(
                migration=migration, chosen=form.chosen_suggestions(), by=request.user
            )
            assigned = tasks_assign_default_owners(migration=migration, by=request.user)
        message = f"Confirmed. {len(added)} added to the people involved."
        if assigned:
            count = f"{len(assigned)} task" if len(assigned) == 1 else f"{len(assigned)} tasks"
            message += f" {count} of the plan given to their usual owner."
        messages.success(request, message)
        return redirect("people", pk=migration.pk)
    return render(
        request,
        "coordinator/people_confirm.html",
        {"migration": migration, "form": form, "suggestions": suggestions},
    )


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_add(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    initial = {"role": request.GET["role"]} if request.GET.get("role") else None
    form = StakeholderForm(
        request.POST or None, instance=Stakeholder(migration=migration), migration=migration, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if value not in (None, "")}
        try:
            stakeholder = stakeholders.stakeholder_create(migration=migration, by=request.user, **data)
        except stakeholders.DuplicateStakeholder as exc:
            form.duplicate = exc.existing
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{stakeholder.display_name} added as {stakeholder.get_role_display().lower()}.")
            return redirect("people", pk=migration.pk)
    return render(request, "coordinator/stakeholder_form.html", {"migration": migration, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_edit(request, pk: int, stakeholder_pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    stakeholder = get_object_or_404(
        migration.stakeholders.current().select_related("user", "organisation"), pk=stakeholder_pk
    )
    # Read before validation, which writes the typed values onto the instance.
    name = stakeholder.display_name
    form = StakeholderForm(request.POST or None, instance=stakeholder, migration=migration)
    if request.method == "POST" and form.is_valid():
        try:
            stakeholders.stakeholder_update(stakeholder=stakeholder, by=request.user, **form.cleaned_data)
        except stakeholders.DuplicateStakeholder as exc:
            form.duplicate = exc.existing
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{stakeholder.display_name} saved.")
            return redirect("people", pk=migration.pk)
    return render(
        request,
        "coordinator/stakeholder_form.html",
        {"migration": migration, "form": form, "stakeholder": stakeholder, "name": name},
    )


@require_http_methods(["GET", "POST"])
@login_required
def stakeholder_remove(request, pk: int, stakeholder_pk: int):
    """Remove someone. If they hold open tasks, the page lists them and asks: reassign, or leave unassigned."""
    migration = get_migration_for_user(request, pk, edit=True)
    stakeholder = get_object_or_404(
        migration.stakeholders.current().select_related("user", "organisation"), pk=stakeholder_pk
    )
    stakeholder.migration = migration
    open_tasks = list(tasks_of_stakeholder(stakeholder))
    # Bound on every POST: an empty one must show its errors, not an untouched form.
    form = HandOverForm(
        request.POST if request.method == "POST" else None, options=assign_options(migration).without(stakeholder)
    )
    blocking = []
    if request.method == "POST" and (not open_tasks or form.is_valid()):
        try:
            with transaction.atomic():
                handed = []
                if open_tasks:
                    assignee, contact = form.holder()
                    handed = tasks_hand_over(
                        stakeholder=stakeholder, assignee=assignee, contact=contact, by=request.user
                    )
                stakeholders.stakeholder_remove(stakeholder=stakeholder, by=request.user)
        except ValidationError as exc:
            form.add_error("to", exc.message_dict.get("assignee", exc.messages))
        except stakeholders.StakeholderInUse as exc:
            # Work given to them after this page was opened: show it, nothing was changed.
            blocking = exc.blocking
            open_tasks = list(tasks_of_stakeholder(stakeholder))
        else:
            message = f"{stakeholder.display_name} removed from this migration."
            if handed:
                assignee, contact = form.holder()
                who = assignee or (contact and contact.display_name)
                tasks = "task" if len(handed) == 1 else "tasks"
                message += f" {len(handed)} open {tasks} " + (f"reassigned to {who}." if who else "left unassigned.")
            messages.success(request, message)
            return redirect("people", pk=migration.pk)
    rejected = request.method == "POST" and (form.errors or blocking)
    return render(
        request,
        "coordinator/stakeholder_remove.html",
        {
            "migration": migration,
            "stakeholder": stakeholder,
            "open_tasks": open_tasks,
            "form": form,
            "blocking": blocking,
        },
        status=409 if blocking else (400 if rejected else 200),
    )


# Invitations -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def invitation_create(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    # "Send again" from the people page fills in the address and role of an invitation whose email failed.
    initial = {key: request.GET[key] for key in ("email", "role") if key in request.GET}
    form = InvitationForm(request.POST or None, practice=migration.practice, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.invitation_create(
                practice=migration.practice,
                migration=migration,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except invitations.AlreadyMember as exc:
            form.add_error("email", str(exc))
        else:
            if invitation.email_failed_at:
                messages.warning(
                    request,
                    f"The invitation for {invitation.email} is saved, but the email could not be sent: our mail "
                    "server did not accept it. Invite them again later.",
                )
            else:
                messages.success(
                    request,
                    f"Invitation sent to {invitation.email}. Once they accept, they appear on this page.",
                )
            return redirect("people", pk=migration.pk)
    return render(request, "coordinator/invitation_form.html", {"migration": migration, "form": form})


@require_http_methods(["GET", "POST"])
def invitation_accept(request, ods_code: str, token: str):
    """Anyone with the link may open it; what they can do depends on who they are."""
    try:
        invitation = invitations.invitation_open(token, ods_code=ods_code)
    except invitations.InvitationProblem as problem:
        return _invitation_problem(request, problem)
    context = {"invitation": invitation, "practice": invitation.practice}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                invitations.invitation_accept(invitation=invitation, user=request.user)
            except invitations.InvitationProblem as problem:
                return _invitation_problem(request, problem)
            messages.success(request, f"Welcome to {invitation.practice.name}.")
            return redirect("migration-list")
        if request.user.email.lower() != invitation.email.lower():
            return _invitation_problem(
                request,
                invitations.InvitationProblem(
                    "wrong_person",
                    "This invitation was sent to someone else",
                    f"You are signed in as {request.user.email}, but the invitation was sent to "
                    f"{invitation.email}. Sign out and open the link again.",
                    403,
                ),
            )
        return render(request, "coordinator/invitation_accept.html", context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        # They already have an account: signing in brings them back here to accept.
        context["login_url"] = f"{reverse('login')}?{urlencode({'next': request.path})}"
        return render(request, "coordinator/invitation_accept.html", context)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept_as_new_user(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationProblem as problem:
            return _invitation_problem(request, problem)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Your account is ready. Welcome to {invitation.practice.name}.")
        return redirect("migration-list")
    context["form"] = form
    return render(request, "coordinator/invitation_accept.html", context)


def _invitation_problem(request, problem: invitations.InvitationProblem) -> HttpResponse:
    return render(request, "coordinator/invitation_problem.html", {"problem": problem}, status=problem.status)


# Third-party systems -----------------------------------------------------------------------------


def _record_access(request, pk: int):
    """The migration, if the user may record third-party steps on it (403 for viewers)."""
    migration = get_migration_for_user(request, pk)
    refuse_if_closed(migration)
    if not third_party.third_party_can_record(request.user, migration):
        raise PermissionDenied("Only people of the practice can record third-party steps.")
    return migration


def _systems_page(request, migration, *, failed=None, none_form=None, status: int = 200):
    """The systems page; `failed` is a row to show with its error beside the field (a refused step)."""
    today = local_today()
    first, last = switch_off_window(migration.fdp_date)
    rows = system_rows.third_party_rows(migration, today=today)
    if failed is not None:
        rows = [failed if row.system.pk == failed.system.pk else row for row in rows]
    # The national services are shown apart (coordinator/_national_services.html), so "no linked
    # systems" below still means none of the practice's own.
    rows, national_services = split_system_rows(migration, rows, today=today)
    can_edit = can_edit_migration(request.user, migration)
    if none_form is None and can_edit and not rows and not migration.no_linked_systems_confirmed:
        none_form = NoLinkedSystemsForm(action=reverse("systems-none", args=[migration.pk]))
    return render(
        request,
        "coordinator/systems.html",
        {
            "migration": migration,
            "rows": rows,
            "national_services": national_services,
            "switch_off_first": first,
            "switch_off_last": last,
            "can_edit": can_edit,
            "can_record": third_party.third_party_can_record(request.user, migration),
            "warnings": third_party.third_party_warnings(migration, today=today),
            "none_form": none_form,
            "no_systems_amber_from": third_party.no_linked_systems_amber_from(migration),
            "today": today,
        },
        status=status,
    )


@require_GET
@login_required
def systems(request, pk: int):
    return _systems_page(request, get_migration_for_user(request, pk))


@require_POST
@login_required
def systems_none(request, pk: int):
    """The manager confirms, with a reason, that the practice has no linked systems."""
    migration = get_migration_for_user(request, pk, edit=True)
    form = NoLinkedSystemsForm(request.POST, action=reverse("systems-none", args=[migration.pk]))
    if not form.is_valid():
        return _systems_page(request, migration, none_form=form, status=400)
    try:
        third_party.third_party_confirm_none(migration=migration, reason=form.cleaned_data["reason"], by=request.user)
    except third_party.StepRefused as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, f"Recorded: {migration.practice.name} has no linked systems.")
    return redirect("systems", pk=migration.pk)


@require_http_methods(["GET", "POST"])
@login_required
def system_add(request, pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    form = ThirdPartySystemForm(request.POST or None, practice=migration.practice)
    if request.method == "POST" and form.is_valid():
        try:
            system = third_party.third_party_system_create(
                practice=migration.practice, by=request.user, **form.cleaned_data
            )
        except third_party.DuplicateSystemName as exc:  # added by someone else since the form checked
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"{system} added. Record each step below as it happens.")
            return redirect("systems", pk=migration.pk)
    return render(request, "coordinator/system_form.html", {"migration": migration, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def system_edit(request, pk: int, system_pk: int):
    migration = get_migration_for_user(request, pk, edit=True)
    system = get_object_or_404(ThirdPartySystem, practice=migration.practice, pk=system_pk)
    form = ThirdPartySystemForm(request.POST or None, instance=system, practice=migration.practice)
    if request.method == "POST" and form.is_valid():
        try:
            third_party.third_party_system_update(system=system, by=request.user, **form.cleaned_data)
        except third_party.DuplicateSystemName as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"{system} saved.")
            return redirect("systems", pk=migration.pk)
    return render(request, "coordinator/system_form.html", {"migration": migration, "form": form, "system": system})


@require_POST
@login_required
def system_step(request, pk: int, system_pk: int):
    """Record or take back one step. htmx gets the row back; without JavaScript, the page."""
    migration = _record_access(request, pk)
    system = get_object_or_404(ThirdPartySystem, practice=migration.practice, pk=system_pk)
    step, action = request.POST.get("step"), request.POST.get("action", "record")
    reason = request.POST.get("reason", "")
    error = ""
    if step not in ThirdPartyState.Step.values or action not in ("record", "undo"):
        error = "Choose a step to record."
    elif len(reason) > EARLY_REASON_MAX_LENGTH:
        return _early_reason_refused(
            request, migration, system, f"Keep the reason to {EARLY_REASON_MAX_LENGTH} characters.", reason
        )
    elif found := control_characters(reason):
        # The one text rule every form follows (cutover.text), for this hand-read field too.
        return _early_reason_refused(request, migration, system, control_characters_message(found), reason)
    else:
        reason = text_from_user(reason, multiline=True)
        try:
            if action == "record":
                state = third_party.third_party_step_record(
                    migration=migration, system=system, step=step, by=request.user, reason=reason
                )
            else:
                state = third_party.third_party_step_undo(
                    migration=migration, system=system, step=step, by=request.user
                )
        except third_party.EarlyReasonNeeded as exc:
            return _early_reason_refused(request, migration, system, str(exc), reason)
        except third_party.StepRefused as exc:
            error = str(exc)
        else:
            if action == "record" and step == ThirdPartyState.Step.SWITCHED_OFF and state.switched_off_late:
                error = (
                    f"Recorded as late: links to {system} were confirmed off after the switch-off window. "
                    "Check nothing reached the old system after FDP."
                )
    if request.htmx:
        return _system_row(request, migration, system_rows.third_party_row(migration, system), message=error)
    if error:
        messages.warning(request, error)
    else:
        verb = "Recorded" if action == "record" else "Taken back"
        messages.success(request, f"{verb}: {ThirdPartyState.Step(step).label.lower()} for {system}.")
    return redirect("systems", pk=migration.pk)


EARLY_REASON_MAX_LENGTH = 500


def _system_row(request, migration, row, *, message: str = ""):
    """The row again, with the page's warnings out of band: a step can settle a warning."""
    return render(
        request,
        "coordinator/systems.html#step-response",
        {
            "migration": migration,
            "row": row,
            "can_record": True,
            "can_edit": can_edit_migration(request.user, migration),
            "row_message": message,
            "warnings": third_party.third_party_warnings(migration, today=local_today()),
        },
    )


def _early_reason_refused(request, migration, system, error: str, reason: str):
    """A switch-off before the window without a reason: the row again, its form open with the error
    beside the field (the whole page, status 400, without JavaScript). Nothing was saved."""
    row = system_rows.third_party_row(migration, system, reason_error=error, reason_value=reason)
    if request.htmx:
        return _system_row(request, migration, row)
    return _systems_page(request, migration, failed=row, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def system_not_applicable(request, pk: int, system_pk: int):
    migration = _record_access(request, pk)
    system = get_object_or_404(ThirdPartySystem, practice=migration.practice, pk=system_pk)
    form = NotApplicableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        third_party.third_party_mark_not_applicable(
            migration=migration, system=system, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, f"{system} marked as not applicable to this migration.")
        return redirect("systems", pk=migration.pk)
    return render(
        request, "coordinator/system_not_applicable.html", {"migration": migration, "system": system, "form": form}
    )


@require_POST
@login_required
def system_applicable(request, pk: int, system_pk: int):
    migration = _record_access(request, pk)
    system = get_object_or_404(ThirdPartySystem, practice=migration.practice, pk=system_pk)
    third_party.third_party_mark_applicable(migration=migration, system=system, by=request.user)
    messages.success(request, f"{system} applies to this migration again.")
    return redirect("systems", pk=migration.pk)
