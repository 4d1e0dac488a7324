"""factory_boy factories. Sub-factories keep every object of one build in one district."""

from datetime import date

import factory

from districts.models import District, Grade, School, SchoolYear, User
from districts.tenancy import operator_context, system_context

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
