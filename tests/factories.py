"""factory_boy factories. Sub-factories keep every object of one build in one district."""

from datetime import date

import factory

from districts.models import District, Grade, Membership, School, SchoolYear, User
from districts.roles import Role
from districts.services import membership_grant
from districts.tenancy import operator_context, system_context
from tiering.models import (
    AttendanceCategory,
    AttendanceCode,
    AttendanceImport,
    ImportStatus,
    RuleSet,
    Student,
)

PERSONA_PASSWORD = "correct horse battery staple"


class _AsOperator:
    # Tests run as the app's database role: accounts and districts are created the way the
    # commands create them, in the operators' context.
    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with operator_context(reason="test factory"):
            return super()._create(model_class, *args, **kwargs)


class _InDistrict:
    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with system_context(kwargs["district"], reason="test factory"):
            return super()._create(model_class, *args, **kwargs)


class DistrictFactory(_AsOperator, factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Unified School District {n}")
    slug = factory.Sequence(lambda n: f"usd-{n}")
    state = "CA"
    timezone = "America/Los_Angeles"


class SchoolFactory(_InDistrict, factory.django.DjangoModelFactory):
    class Meta:
        model = School
        # Tests build schools outside any tenant context, like the import and commands do.
        django_get_or_create = ("district", "sis_code")

    district = factory.SubFactory(DistrictFactory)
    sis_code = factory.Sequence(lambda n: f"{100 + n}")
    name = factory.Sequence(lambda n: f"School {n} Elementary")
    low_grade = Grade.KINDERGARTEN
    high_grade = Grade.GRADE_5

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class SchoolYearFactory(_InDistrict, factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear

    district = factory.SubFactory(DistrictFactory)
    label = "2026–27"
    first_day = date(2026, 8, 17)
    last_day = date(2027, 6, 4)
    instructional_days = 180

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class UserFactory(_AsOperator, factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PERSONA_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.Factory):
    """Someone given a role in a district, the way the People page gives it (the service):
    ``MembershipFactory(district=d, role=Role.PRINCIPAL, schools=[s], user__email=…)``."""

    class Meta:
        model = Membership

    district = factory.SubFactory(DistrictFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CABINET_MEMBER
    schools = ()

    @classmethod
    def _create(cls, model_class, *, district, user, role, schools):
        with system_context(district, reason="test factory"):
            return membership_grant(district=district, user=user, role=role, schools=schools)


class RuleSetFactory(_InDistrict, factory.django.DjangoModelFactory):
    """A rule set beside the district's own: most often a state accountability definition."""

    class Meta:
        model = RuleSet

    district = factory.SubFactory(DistrictFactory)
    name = "State accountability"
    minimum_days_enrolled = 31


class AttendanceCodeFactory(_InDistrict, factory.django.DjangoModelFactory):
    class Meta:
        model = AttendanceCode

    district = factory.SubFactory(DistrictFactory)
    code = factory.Sequence(lambda n: f"C{n}")
    category = AttendanceCategory.EXCUSED


class AttendanceImportFactory(_InDistrict, factory.django.DjangoModelFactory):
    """The record of an import, with no file behind it: enough for pages that list imports or
    check who may reach one before reading anything."""

    class Meta:
        model = AttendanceImport

    district = factory.SubFactory(DistrictFactory)
    status = ImportStatus.SUCCEEDED
    filename = "summary.csv"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size_bytes = 1


class StudentFactory(_InDistrict, factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    district = factory.SubFactory(DistrictFactory)
    school = factory.SubFactory(SchoolFactory, district=factory.SelfAttribute("..district"))
    sis_id = factory.Sequence(lambda n: f"S{1000 + n}")

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped
