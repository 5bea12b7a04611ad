"""Who takes part in a cutover: organisations, practices, people and their roles (people.py); the
people of one migration (contacts.py); the practice's linked third-party systems (systems.py)."""

from .contacts import Invitation, Stakeholder, StakeholderConfirmation, StakeholderQuerySet
from .people import (
    Organisation,
    OrganisationMembership,
    Practice,
    PracticeMembership,
    StakeholderRole,
    User,
    UserManager,
    ods_practice_code_validator,
    practice_covered_condition,
    practice_managed_condition,
    practice_role_column,
    practice_visible_condition,
    practices_managed_by,
    practices_visible_to,
)
from .systems import NationalService, ThirdPartyState, ThirdPartyStateQuerySet, ThirdPartySystem, name_key

__all__ = [
    "Invitation",
    "NationalService",
    "Organisation",
    "OrganisationMembership",
    "Practice",
    "PracticeMembership",
    "Stakeholder",
    "StakeholderConfirmation",
    "StakeholderQuerySet",
    "StakeholderRole",
    "ThirdPartyState",
    "ThirdPartyStateQuerySet",
    "ThirdPartySystem",
    "User",
    "UserManager",
    "name_key",
    "ods_practice_code_validator",
    "practice_covered_condition",
    "practice_managed_condition",
    "practice_role_column",
    "practice_visible_condition",
    "practices_managed_by",
    "practices_visible_to",
]
