"""Who takes part: people, organisations (ICBs, delivery partners, suppliers), practices, their
memberships, and who may see and manage which practice."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from simple_history.models import HistoricalRecords

from ..validators import ods_organisation_code_validator

ods_practice_code_validator = RegexValidator(
    r"^[A-Z][0-9]{5}$",
    "Enter the practice's ODS code: one capital letter then five digits, for example A81001.",
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class StakeholderRole(models.TextChoices):
    """The nine kinds of people the NHS guidance names for a cutover.

    Used for a migration's stakeholders and for each plan task's default owner.
    """

    PRACTICE_MANAGER = "practice_manager", "Practice manager"
    PRACTICE_STAFF = "practice_staff", "Practice staff"
    ICB = "icb", "Integrated care board (ICB)"
    DELIVERY_PARTNER = "delivery_partner", "IT delivery partner"
    IT_LEAD = "it_lead", "IT lead"
    CURRENT_SUPPLIER = "current_supplier", "Current clinical system supplier"
    NEW_SUPPLIER = "new_supplier", "New clinical system supplier"
    THIRD_PARTY_SUPPLIER = "third_party_supplier", "Third-party system supplier"
    PATHOLOGY_LAB = "pathology_lab", "Pathology lab provider"


class User(AbstractUser):
    """A person who signs in. People sign in with their email address."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        # Stored lower-case so "Manager@Example.org" is the same person.
        self.email = self.email.lower()
        super().save(*args, **kwargs)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ICB = "icb", "Integrated care board (ICB)"
        DELIVERY_PARTNER = "delivery_partner", "IT delivery partner"
        SUPPLIER = "supplier", "Clinical system supplier"
        THIRD_PARTY_SUPPLIER = "third_party_supplier", "Third-party system supplier"
        PATHOLOGY_LAB = "pathology_lab", "Pathology lab provider"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        blank=True,
        validators=[ods_organisation_code_validator],
        help_text="The NHS Organisation Data Service code, where it has one: 3 to 5 letters or digits.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Upper("ods_code"),
                condition=~models.Q(ods_code=""),
                name="organisation_ods_code_unique",
                violation_error_message="Another organisation already has this ODS code.",
            ),
        ]

    def __str__(self):
        return self.name


class Practice(models.Model):
    name = models.CharField(max_length=200)
    ods_code = models.CharField(
        "ODS code",
        max_length=6,
        unique=True,
        validators=[ods_practice_code_validator],
        help_text="One capital letter then five digits, for example A81001.",
        error_messages={"unique": "A practice with this ODS code is already registered."},
    )
    icb = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="icb_practices",
        limit_choices_to={"kind": Organisation.Kind.ICB},
        verbose_name="ICB",
    )
    delivery_partner = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="partner_practices",
        limit_choices_to={"kind": Organisation.Kind.DELIVERY_PARTNER},
        null=True,
        blank=True,
        verbose_name="IT delivery partner",
    )
    dispensing = models.BooleanField(
        "dispensing practice", default=False, help_text="Dispensing practices also run down and re-enter their stock."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.ods_code})"

    def save(self, *args, **kwargs):
        self.ods_code = self.ods_code.upper()
        super().save(*args, **kwargs)


class PracticeMembership(models.Model):
    class Role(models.TextChoices):
        PRACTICE_MANAGER = "practice_manager", "Practice manager"
        PRACTICE_STAFF = "practice_staff", "Practice staff"
        IT_LEAD = "it_lead", "IT lead"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="practice_memberships")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    # The clinician who signs off the data checking before FDP (go or no-go); any member may be it.
    is_clinical_lead = models.BooleanField(
        "clinical lead",
        default=False,
        help_text="Signs off the data checking before FDP: go or no-go.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["practice__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="one_membership_per_user_and_practice"),
        ]

    def __str__(self):
        return f"{self.user}, {self.get_role_display()} at {self.practice.name}"


class OrganisationMembership(models.Model):
    """A person of an ICB or IT delivery partner: they see that organisation's practices."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organisation_memberships")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        limit_choices_to={"kind__in": [Organisation.Kind.ICB, Organisation.Kind.DELIVERY_PARTNER]},
    )
    # Set by a superuser (user admin, organisation memberships): the programme lead adds the
    # organisation's own tasks to its practices' plans (the programme app). Seeing practices needs no flag.
    is_programme_lead = models.BooleanField(
        "programme lead",
        default=False,
        help_text="Adds this organisation's own tasks to the plans of its practices.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_user_and_organisation"),
        ]

    def __str__(self):
        return f"{self.user} at {self.organisation}"


def _membership_at(user, via: str) -> models.QuerySet[PracticeMembership]:
    """The user's membership of the practice of the outer query's row (at most one): the subquery
    behind seeing, managing and the role column below."""
    # No ordering: the default one joins the practice, for a row that is unique.
    return PracticeMembership.objects.filter(user=user, practice=models.OuterRef(f"{via}pk")).order_by()


def practice_visible_condition(user, *, via: str = "") -> models.Q:
    """The condition "a practice this user may look at", for a query on practices (``via=""``) or on
    rows that point at one (``via="practice__"``): their own, and those their ICB or partner covers.

    EXISTS subqueries rather than an OR across a join: no DISTINCT, and the database stops at the
    first membership it finds.
    """
    if not user.is_authenticated or not user.is_active:
        return models.Q(pk__in=[])
    if user.is_superuser:
        return models.Q()
    return models.Q(models.Exists(_membership_at(user, via))) | practice_covered_condition(user, via=via)


def practice_covered_condition(user, *, via: str = "") -> models.Q:
    """The second half of ``practice_visible_condition``: a practice this user's ICB or delivery
    partner covers. For a signed-in, active user who is not a superuser (that function decides those)."""
    covering = OrganisationMembership.objects.filter(user=user).filter(
        models.Q(organisation=models.OuterRef(f"{via}icb_id"))
        | models.Q(organisation=models.OuterRef(f"{via}delivery_partner_id"))
    )
    return models.Q(models.Exists(covering))


def practice_managed_condition(user, *, via: str = "") -> models.Q:
    """The condition "a practice where this user may plan and change the cutover" (see above): the
    role is checked in the same EXISTS subquery as the membership."""
    if not user.is_authenticated or not user.is_active:
        return models.Q(pk__in=[])
    if user.is_superuser:
        return models.Q()
    manager = _membership_at(user, via).filter(role=PracticeMembership.Role.PRACTICE_MANAGER)
    return models.Q(models.Exists(manager))


def practice_role_column(user, *, via: str = "") -> models.Subquery:
    """The user's role at the practice (None if not a member), as a column of a query on practices
    (``via=""``) or on rows that point at one: read with the row instead of asked for after it."""
    return models.Subquery(_membership_at(user, via).values("role")[:1])


def practices_visible_to(user) -> models.QuerySet[Practice]:
    """Every practice a user may look at: their own, and those their ICB or partner covers."""
    return Practice.objects.filter(practice_visible_condition(user))


def practices_managed_by(user) -> models.QuerySet[Practice]:
    """Practices where the user may plan and change the cutover."""
    return Practice.objects.filter(practice_managed_condition(user))
