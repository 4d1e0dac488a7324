import datetime

import pytest
from django.core.exceptions import ValidationError

from districts.tenancy import CrossTenantAccess, system_context
from selfassessment import services
from selfassessment.models import (
    AssessmentStatus,
    Item,
    ItemResponse,
    MemberRating,
    Priority,
    PriorityStatus,
    Rating,
    Reflection,
)
from tests.reading import reading

from .conftest import agree_on


def _response(assessment, key):
    return ItemResponse.objects.select_related("item").get(assessment=assessment, item__key=key)


def _every_item_rated(assessment, editor, rating=Rating.MEASURABLE_PROGRESS):
    keys = Item.objects.filter(ingredient__version=assessment.template).values_list(
        "key", flat=True
    )
    agree_on(assessment, dict.fromkeys(keys, rating), editor=editor)


def _three_priorities(assessment, editor):
    with system_context(assessment.district, reason="test"):
        for title in ("Daily attendance data in every school", "Home visits", "Partner MOUs"):
            priority = services.priority_add(assessment=assessment)
            services.field_save(
                record=priority, field="title", value=title, base_revision=0, editor=editor
            )


def test_it_creates_a_response_for_every_item_and_an_answer_for_every_question(assessment):
    with system_context(assessment.district, reason="test"):
        assert ItemResponse.objects.filter(assessment=assessment).count() == 35
        assert Reflection.objects.filter(assessment=assessment).count() == 6
    assert assessment.school_year == "2026–27"
    assert assessment.template.number == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2026-27", "2026–27"), ("2026–2027", "2026–27"), ("2099/00", "2099–00")],
)
def test_it_writes_school_years_one_way(typed, stored):
    assert services.school_year_label(typed) == stored


@pytest.mark.parametrize("typed", ["2026", "2026-28", "next year", "2026-2028"])
def test_it_explains_a_school_year_it_cannot_read(typed):
    with pytest.raises(ValidationError, match=r"2026–27|school year"):
        services.school_year_label(typed)


def test_the_second_of_two_people_editing_a_field_is_refused_with_the_first_ones_words(
    assessment, cabinet_member, district_admin
):
    with system_context(assessment.district, reason="test"):
        loaded = _response(assessment, "actionable-data-2")
        # Carol and Alice both opened the page showing revision 0.
        services.field_save(
            record=loaded,
            field="next_steps",
            value="Review chronic absence every two weeks at cabinet.",
            base_revision=0,
            editor=cabinet_member,
        )
        with pytest.raises(services.EditConflict) as refused:
            services.field_save(
                record=loaded,
                field="next_steps",
                value="Monthly data review.",
                base_revision=0,
                editor=district_admin,
            )
        stored = _response(assessment, "actionable-data-2")
    assert stored.next_steps == "Review chronic absence every two weeks at cabinet."
    theirs = refused.value.theirs
    assert (theirs.revision, theirs.editor) == (1, cabinet_member)
    assert refused.value.record.next_steps == stored.next_steps


def test_a_refused_editor_can_overwrite_deliberately_with_the_revision_they_were_shown(
    assessment, cabinet_member, district_admin
):
    with system_context(assessment.district, reason="test"):
        record = _response(assessment, "actionable-data-2")
        services.field_save(
            record=record, field="next_steps", value="A", base_revision=0, editor=cabinet_member
        )
        saved = services.field_save(
            record=record, field="next_steps", value="B", base_revision=1, editor=district_admin
        )
    assert saved.next_steps == "B"
    assert saved.field_revisions["next_steps"]["revision"] == 2
    assert saved.field_revisions["next_steps"]["by"] == district_admin.pk


def test_two_people_editing_different_fields_of_an_item_do_not_collide(
    assessment, cabinet_member, district_admin
):
    with system_context(assessment.district, reason="test"):
        record = _response(assessment, "capacity-building-1")
        services.field_save(
            record=record,
            field="next_steps",
            value="Charter",
            base_revision=0,
            editor=cabinet_member,
        )
        services.field_save(
            record=record,
            field="responsible",
            value="Superintendent",
            base_revision=0,
            editor=district_admin,
        )
        stored = _response(assessment, "capacity-building-1")
    assert (stored.next_steps, stored.responsible) == ("Charter", "Superintendent")


def test_saving_the_value_already_stored_is_never_a_conflict(
    assessment, cabinet_member, district_admin
):
    with system_context(assessment.district, reason="test"):
        record = _response(assessment, "capacity-building-1")
        services.field_save(
            record=record,
            field="resources",
            value="Title I",
            base_revision=0,
            editor=cabinet_member,
        )
        same = services.field_save(
            record=record,
            field="resources",
            value="Title I",
            base_revision=0,
            editor=district_admin,
        )
    assert same.revision_of("resources") == 1


def test_an_unlisted_field_cannot_be_saved(assessment, cabinet_member):
    with system_context(assessment.district, reason="test"), pytest.raises(ValidationError):
        services.field_save(
            record=_response(assessment, "capacity-building-1"),
            field="item",
            value=None,
            base_revision=0,
            editor=cabinet_member,
        )


def test_a_finalised_assessment_cannot_change(assessment, cabinet_member):
    _every_item_rated(assessment, cabinet_member)
    _three_priorities(assessment, cabinet_member)
    with system_context(assessment.district, reason="test"):
        finalised = services.assessment_finalise(assessment=assessment, finalised_by=cabinet_member)
        assert finalised.status == AssessmentStatus.FINALISED
        response = _response(assessment, "capacity-building-1")
        priority = Priority.objects.filter(assessment=assessment).first()
        attempts = [
            lambda: services.field_save(
                record=response,
                field="consensus",
                value=Rating.URGENT_GAP,
                base_revision=response.revision_of("consensus"),
                editor=cabinet_member,
            ),
            lambda: services.member_rating_set(
                assessment=finalised,
                item=response.item,
                member=cabinet_member,
                rating=Rating.URGENT_GAP,
            ),
            lambda: services.priority_add(assessment=finalised),
            lambda: services.priority_remove(priority=priority),
            lambda: services.assessment_finalise(assessment=finalised, finalised_by=cabinet_member),
        ]
        for attempt in attempts:
            with pytest.raises(ValidationError, match="finalised"):
                attempt()
        assert _response(assessment, "capacity-building-1").consensus == Rating.MEASURABLE_PROGRESS
        assert Priority.objects.filter(assessment=assessment).count() == 3
        assert not MemberRating.objects.filter(assessment=assessment).exists()


def test_finalising_waits_for_every_consensus_rating_and_three_priorities(
    assessment, cabinet_member
):
    agree_on(assessment, {"capacity-building-1": Rating.URGENT_GAP}, editor=cabinet_member)
    with system_context(assessment.district, reason="test"):
        with pytest.raises(ValidationError) as refused:
            services.assessment_finalise(assessment=assessment, finalised_by=cabinet_member)
        assessment.refresh_from_db()
    assert "34 items still need a team consensus rating" in refused.value.messages[0]
    assert "agree upon at least 3" in refused.value.messages[1]
    assert assessment.status == AssessmentStatus.IN_PROGRESS


def test_members_rate_on_their_own_and_can_withdraw_their_rating(
    assessment, cabinet_member, district_admin
):
    with system_context(assessment.district, reason="test"):
        item = _response(assessment, "positive-engagement-3").item
        services.member_rating_set(
            assessment=assessment, item=item, member=cabinet_member, rating=Rating.URGENT_GAP
        )
        services.member_rating_set(
            assessment=assessment, item=item, member=district_admin, rating=Rating.DONT_KNOW
        )
        services.member_rating_set(
            assessment=assessment, item=item, member=cabinet_member, rating=Rating.NEEDS_IMPROVEMENT
        )
        ratings = dict(
            MemberRating.objects.filter(assessment=assessment).values_list("member", "rating")
        )
        assert ratings == {
            cabinet_member.pk: Rating.NEEDS_IMPROVEMENT,
            district_admin.pk: Rating.DONT_KNOW,
        }
        services.member_rating_set(
            assessment=assessment, item=item, member=cabinet_member, rating=None
        )
        assert MemberRating.objects.filter(assessment=assessment).count() == 1


def test_priorities_stop_at_five_and_renumber_when_one_is_removed(assessment):
    with system_context(assessment.district, reason="test"):
        priorities = [services.priority_add(assessment=assessment) for _ in range(5)]
        with pytest.raises(ValidationError, match="three to five"):
            services.priority_add(assessment=assessment)
        services.priority_remove(priority=priorities[1])
        positions = list(
            Priority.objects.filter(assessment=assessment).values_list("position", flat=True)
        )
    assert positions == [1, 2, 3, 4]


def test_next_years_assessment_carries_the_plan_and_priorities_but_not_the_ratings(
    assessment, cabinet_member
):
    _every_item_rated(assessment, cabinet_member)
    _three_priorities(assessment, cabinet_member)
    with system_context(assessment.district, reason="test"):
        for key, target in (
            ("shared-accountability-1", datetime.date(2027, 3, 1)),
            ("shared-accountability-2", datetime.date(2028, 2, 29)),
        ):
            services.field_save(
                record=_response(assessment, key),
                field="target_date",
                value=target,
                base_revision=0,
                editor=cabinet_member,
            )
        priority = Priority.objects.get(assessment=assessment, position=2)
        services.field_save(
            record=priority,
            field="status",
            value=PriorityStatus.UNDER_WAY,
            base_revision=0,
            editor=cabinet_member,
        )
        finalised = services.assessment_finalise(assessment=assessment, finalised_by=cabinet_member)
        following = services.assessment_start_next_year(
            assessment=finalised, created_by=cabinet_member
        )
        carried = _response(following, "shared-accountability-1")
        assert following.school_year == "2027–28"
        assert following.started_from == finalised
        assert following.status == AssessmentStatus.IN_PROGRESS
        # The plan now describes 2027–28: its dates move a year on with it.
        assert carried.target_date == datetime.date(2028, 3, 1)
        assert _response(following, "shared-accountability-2").target_date == datetime.date(
            2029, 2, 28
        )
        assert _response(following, "shared-accountability-3").target_date is None
        assert carried.consensus == ""
        assert not ItemResponse.objects.filter(assessment=following).exclude(consensus="").exists()
        titles = list(Priority.objects.filter(assessment=following).values_list("title", "status"))
    assert titles == [
        ("Daily attendance data in every school", PriorityStatus.NOT_STARTED),
        ("Home visits", PriorityStatus.UNDER_WAY),
        ("Partner MOUs", PriorityStatus.NOT_STARTED),
    ]


def test_it_refuses_to_work_on_another_districts_assessment(assessment, other_district, outsider):
    with reading(assessment.district):
        record = ItemResponse.unscoped.filter(assessment=assessment).first()
    with system_context(other_district, reason="test"):
        with pytest.raises(CrossTenantAccess):
            services.priority_add(assessment=assessment)
        with pytest.raises(ItemResponse.DoesNotExist):
            services.field_save(
                record=record,
                field="next_steps",
                value="taken over",
                base_revision=0,
                editor=outsider,
            )
