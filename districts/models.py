from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.crypto import salted_hmac
from django.utils.timezone import now

from .querysets import (
    ApiTokenQuerySet,
    MembershipQuerySet,
    MembershipSchoolQuerySet,
    NotificationQuerySet,
    SchoolQuerySet,
    SchoolYearQuerySet,
    TenantManager,
    TenantQuerySet,
)
from .roles import READ_ACCESS_RECORD, SCHOOL_ROLES, Role

DEFAULT_MINIMUM_DAYS_ENROLLED = 10


class Grade(models.IntegerChoices):
    # Integers so a grade span can be checked (low ≤ high) and sorted in the database.
    PRE_K = -1, "Pre-K"
    KINDERGARTEN = 0, "K"
    GRADE_1 = 1, "1"
    GRADE_2 = 2, "2"
    GRADE_3 = 3, "3"
    GRADE_4 = 4, "4"
    GRADE_5 = 5, "5"
    GRADE_6 = 6, "6"
    GRADE_7 = 7, "7"
    GRADE_8 = 8, "8"
    GRADE_9 = 9, "9"
    GRADE_10 = 10, "10"
    GRADE_11 = 11, "11"
    GRADE_12 = 12, "12"

    @classmethod
    def from_label(cls, label: str) -> Grade:
        normalized = label.strip().upper().removeprefix("GRADE ").lstrip("0") or "0"
        aliases = {"K": 0, "KG": 0, "KN": 0, "0": 0, "PK": -1, "PRE-K": -1, "P": -1, "-1": -1}
        if normalized in aliases:
            return cls(aliases[normalized])
        try:
            return cls(int(normalized))
        except ValueError:
            raise ValueError(f"{label!r} is not a grade from Pre-K to 12") from None


US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
    "AS",
    "GU",
    "MP",
    "PR",
    "VI",
]


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as America/Chicago.")


class District(models.Model):
    """The tenant. Everything a district's people see belongs to exactly one district."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    state = models.CharField(max_length=2, choices=[(s, s) for s in US_STATES])
    timezone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    minimum_days_enrolled = models.PositiveSmallIntegerField(
        default=DEFAULT_MINIMUM_DAYS_ENROLLED,
        validators=[MinValueValidator(1), MaxValueValidator(180)],
        help_text="Students enrolled fewer days than this are listed as not yet rated.",
    )
    school_year_start_month = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    school_year_start_day = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    require_admin_two_factor = models.BooleanField(
        "require two-factor sign-in for district administrators",
        default=False,
        help_text="District administrators must sign in with an authenticator app code too.",
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_days_enrolled__gte=1),
                name="district_minimum_days_enrolled_positive",
                violation_error_message="The minimum days enrolled must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(school_year_start_month__range=(1, 12))
                & Q(school_year_start_day__range=(1, 31)),
                name="district_school_year_start_valid",
                violation_error_message="The school year must start on a real month and day.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def today(self, at: datetime | None = None) -> date:
        """The district's own calendar date (now, or at `at`): days, cycles and staleness are
        counted in the district's days, whatever the server's time zone or a daylight-saving
        change in between."""
        return (at or now()).astimezone(zoneinfo.ZoneInfo(self.timezone)).date()

    def requires_two_factor(self, role: str) -> bool:
        # District administrators manage people, imports and the access record; other roles
        # stay as they are, whatever the district decides.
        return self.require_admin_two_factor and role == Role.DISTRICT_ADMIN


class TenantModel(models.Model):
    """A table owned by one district: a non-null district_id on every row, even where a
    parent already implies it, so every query is a single-column filter (and the schema
    stays ready to distribute by district_id)."""

    # Not indexed on its own: every tenant table's unique constraint or index leads with
    # district_id, and a lone district index is one more to maintain on every bulk insert.
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    unscoped = models.Manager()

    class Meta:
        abstract = True


class School(TenantModel):
    sis_code = models.CharField("SIS code", max_length=32)
    name = models.CharField(max_length=200)
    low_grade = models.SmallIntegerField(choices=Grade.choices)
    high_grade = models.SmallIntegerField(choices=Grade.choices)

    objects = TenantManager.from_queryset(SchoolQuerySet)()

    class Meta:
        ordering = ["name"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "sis_code"],
                name="school_unique_sis_code_per_district",
                violation_error_message="This district already has a school with this SIS code.",
            ),
            models.CheckConstraint(
                condition=Q(low_grade__lte=F("high_grade")),
                name="school_grade_span_ordered",
                violation_error_message="The lowest grade must not be above the highest grade.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def grade_span(self) -> str:
        return f"{Grade(self.low_grade).label}–{Grade(self.high_grade).label}"


# The month a reporting year starts in: July to June, as states report. The big tables are
# partitioned by it (tiering migration 0018), one partition per reporting year state-wide.
REPORTING_YEAR_FIRST_MONTH = 7


def reporting_year(day: date) -> int:
    """The July–June reporting year a day falls in, named by the calendar year it starts in:
    2026 for July 1, 2026 – June 30, 2027. The same rule as the database's partitions
    (SQL: ``extract(year FROM day - interval '6 months')``)."""
    return day.year if day.month >= REPORTING_YEAR_FIRST_MONTH else day.year - 1


class SchoolYear(TenantModel):
    label = models.CharField(max_length=20, help_text="For example 2026–27.")
    first_day = models.DateField()
    last_day = models.DateField()
    instructional_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(366)]
    )

    objects = TenantManager.from_queryset(SchoolYearQuerySet)()

    class Meta:
        ordering = ["-first_day"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "label"],
                name="school_year_unique_label_per_district",
                violation_error_message="This district already has a school year with this label.",
            ),
            models.CheckConstraint(
                condition=Q(last_day__gt=F("first_day")),
                name="school_year_ends_after_it_starts",
                violation_error_message="The last day must come after the first day.",
            ),
            models.CheckConstraint(
                condition=Q(instructional_days__range=(1, 366)),
                name="school_year_instructional_days_valid",
                violation_error_message="Instructional days must be between 1 and 366.",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def contains(self, day) -> bool:
        return self.first_day <= day <= self.last_day

    @property
    def reporting_year(self) -> int:
        """The reporting year its summaries and standings are kept under: its first day's."""
        return reporting_year(self.first_day)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address. What they may see comes from their
    memberships (one per district); workshop facilitation is the one role spanning districts."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_facilitator = models.BooleanField(
        default=False, help_text="Runs cross-district strategy workshops."
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="May sign in to the operators' admin site."
    )
    date_joined = models.DateTimeField(default=now)
    # Part of the hash every session is checked against on each request: raising it
    # (services.user_sessions_end) ends all of this person's sessions at their next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message="A user with this email address already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    def get_session_auth_hash(self) -> str:
        return self._with_session_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        for fallback in super().get_session_auth_fallback_hash():
            yield self._with_session_generation(fallback)

    def _with_session_generation(self, password_hash: str) -> str:
        if not self.session_generation:
            # Django's own hash: the sessions of people whose access never ended stay valid.
            return password_hash
        return salted_hmac(
            "districts.User.session_generation",
            str(self.session_generation),
            secret=password_hash,
            algorithm="sha256",
        ).hexdigest()


class Membership(TenantModel):
    """A user's role in one district, and for school roles the schools it covers."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    schools = models.ManyToManyField(
        School, through="MembershipSchool", related_name="memberships", blank=True
    )
    created_at = models.DateTimeField(default=now, editable=False)
    # Per district: someone in two districts may want one district's mail and not the other's.
    email_notifications = models.BooleanField(
        default=True,
        help_text="Also send my notifications (such as the attendance digest) by email.",
    )
    # When the last invitation with a link to choose a password went out (districts/
    # invitations.py); the link works until PASSWORD_RESET_TIMEOUT after it.
    invited_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TenantManager.from_queryset(MembershipQuerySet)()

    class Meta:
        ordering = ["user__full_name", "user__email"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "user"],
                name="membership_one_per_user_and_district",
                violation_error_message="This person already has a role in this district.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

    @property
    def is_school_role(self) -> bool:
        return self.role in SCHOOL_ROLES

    @property
    def is_invitation(self) -> bool:
        """Invited, and not yet accepted: the person has never chosen a password."""
        return self.invited_at is not None and not self.user.has_usable_password()

    @property
    def invitation_expires_at(self) -> datetime | None:
        if self.invited_at is None:
            return None
        return self.invited_at + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)

    @property
    def invitation_expired(self) -> bool:
        return self.is_invitation and self.invitation_expires_at <= now()


class MembershipSchool(TenantModel):
    # An explicit through table so that it, too, carries district_id.
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)
    school = models.ForeignKey(School, on_delete=models.CASCADE)

    objects = TenantManager.from_queryset(MembershipSchoolQuerySet)()

    class Meta:
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "membership", "school"],
                name="membership_school_unique",
                violation_error_message="This school is already assigned to this person.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership} at {self.school}"


class ApiTokenKind(models.TextChoices):
    PERSONAL = "personal", "Personal"
    INTEGRATION = "integration", "Integration (importing attendance)"


class ApiToken(TenantModel):
    """A secret for the REST API (districts/api_access.py). A personal token belongs to one
    membership and acts with its role and schools, whatever they are at the time of the
    request: it dies with the membership and is refused while its user is deactivated. An
    integration token belongs to no person and may only import attendance. Only a digest of
    the secret is kept; the secret itself is shown once, when the token is made."""

    kind = models.CharField(max_length=16, choices=ApiTokenKind.choices)
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    # The secret's first characters, shown in lists and the access record to tell tokens
    # apart; too short to use.
    prefix = models.CharField(max_length=16)
    secret_digest = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager.from_queryset(ApiTokenQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "prefix"],
                name="api_token_unique_prefix_per_district",
                violation_error_message="This district already has a token with this prefix.",
            ),
            models.CheckConstraint(
                condition=(Q(kind="personal") & Q(membership__isnull=False))
                | (Q(kind="integration") & Q(membership__isnull=True)),
                name="api_token_personal_tokens_have_a_membership",
                violation_error_message=(
                    "A personal token belongs to a membership; an integration token to none."
                ),
            ),
        ]
        # Found by its digest before the district is known (a request's bearer token).
        indexes = [models.Index(fields=["secret_digest"], name="api_token_secret_digest")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_integration(self) -> bool:
        return self.kind == ApiTokenKind.INTEGRATION

    def is_usable(self, at: datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (at or now())


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    CHANGE = "change", "Changed"


class AuditEventQuerySet(TenantQuerySet):
    readable_by = READ_ACCESS_RECORD

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit events are never changed.")

    def delete(self):
        raise AuditLogIsAppendOnly(
            "Audit events are never deleted one by one; districts.audit.prune removes those "
            "older than AUDIT_RETENTION_DAYS."
        )


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete a written audit event."""


class AuditEvent(TenantModel):
    """One read, export or change of student records (or other confidential rows): who, when,
    which rows, and why. Written once, never changed."""

    at = models.DateTimeField(default=now, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept beside the user so the record still says who after their account is gone.
    user_email = models.EmailField(blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64, help_text="app_label.model of the rows")
    object_ids = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    purpose = models.CharField(max_length=200)
    path = models.CharField(max_length=500, blank=True)
    # The API token the request presented (its name and prefix, kept as text like the email),
    # empty for pages.
    api_token = models.CharField(max_length=130, blank=True)

    objects = TenantManager.from_queryset(AuditEventQuerySet)()

    class Meta:
        ordering = ["-at", "-pk"]
        default_manager_name = "objects"
        indexes = [models.Index(fields=["district", "at"], name="audit_event_district_at")]

    def __str__(self) -> str:
        return f"{self.user_email or 'system'} {self.action} {self.object_type} at {self.at}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit events are never deleted one by one.")


class Notification(TenantModel):
    """A message for one person in one district, listed in the app (and mailed unless they
    turned email off). Any app may send one; the key says what it is about, so a task that
    runs twice for the same event never notifies twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = TenantManager.from_queryset(NotificationQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "user", "key"],
                name="notification_once_per_user_and_event",
                violation_error_message="This person was already notified of this.",
            ),
        ]
        indexes = [models.Index(fields=["district", "user", "-created_at"])]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
