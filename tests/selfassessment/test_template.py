"""The tool in the database is the source document's tool, word for word, and versioned."""

import html
import re
from pathlib import Path

from districts.tenancy import operator_context, system_context
from selfassessment import services
from selfassessment.models import (
    Ingredient,
    Item,
    ItemResponse,
    ReflectionQuestion,
    TemplateVersion,
)

SOURCE = Path(__file__).resolve().parents[1] / "source_documents" / "planning_tool.txt"


def _plain(cell: str) -> str:
    """A cell of the source's table as a reader sees it: no markup, entities decoded, and
    whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).split())


def _source_tool() -> list[tuple[str, list[str]]]:
    """(ingredient heading, item texts) in the order of the source's six tables."""
    tool: list[tuple[str, list[str]]] = []
    for line in SOURCE.read_text().splitlines():
        cells = line.split("\t")
        first = _plain(cells[0])
        if len(cells) > 1 and _plain(cells[1]) == "What are Key Next Steps?":
            tool.append((first, []))
        elif match := re.match(r"^(\d+)\. (Our district.*)$", first):
            assert int(match.group(1)) == len(tool[-1][1]) + 1, "items are numbered in order"
            tool[-1][1].append(match.group(2))
    return tool


def _source_questions() -> list[str]:
    text = SOURCE.read_text().split("## Overall Reflections & Next Steps")[1]
    return [
        " ".join(m.group(1).replace("**", "").split())
        for m in re.finditer(r"^\d+\. (.+)$", text, flags=re.MULTILINE)
    ]


def test_version_1_holds_the_35_items_of_the_source_in_its_words(db):
    source = _source_tool()
    assert sum(len(items) for _name, items in source) == 35
    stored = [
        (ingredient.name, [item.text for item in ingredient.items.order_by("position")])
        for ingredient in Ingredient.objects.filter(version__number=1).order_by("position")
    ]
    assert [name.upper() for name, _items in stored] == [name for name, _items in source]
    assert [items for _name, items in stored] == [items for _name, items in source]
    assert Item.objects.filter(ingredient__version__number=1).count() == 35


def test_the_six_ingredients_carry_the_names_the_cabinet_knows(db):
    names = list(
        Ingredient.objects.filter(version__number=1).order_by("position").values_list("name")
    )
    assert [n for (n,) in names] == [
        "Capacity Building",
        "Actionable Data",
        "Positive Engagement",
        "Strategic Partnerships",
        "Adequate & Equitable Resources",
        "Shared Accountability",
    ]


def test_the_six_reflection_questions_are_the_sources(db):
    stored = ReflectionQuestion.objects.filter(version__number=1).order_by("position")
    assert [q.text for q in stored] == _source_questions()
    assert len(stored) == 6
    for question in stored:
        assert question.heading.lower() in question.text.lower()


def test_item_keys_stay_the_same_from_version_to_version(db):
    keys = set(Item.objects.filter(ingredient__version__number=1).values_list("key", flat=True))
    assert len(keys) == 35
    assert {"capacity-building-1", "adequate-equitable-resources-6"} <= keys


def test_a_later_version_never_rewrites_assessments_made_with_an_earlier_one(
    district, cabinet_member, assessment
):
    # Template versions are reference data, published by operators.
    with operator_context(reason="test"):
        version_2 = TemplateVersion.objects.create(number=2, title="Revised tool", source="test")
        for old in Ingredient.objects.filter(version__number=1):
            new = Ingredient.objects.create(version=version_2, position=old.position, name=old.name)
            for item in old.items.all():
                revised = f"Revised: {item.text}"
                Item.objects.create(
                    ingredient=new, position=item.position, key=item.key, text=revised
                )
    with system_context(district, reason="test"):
        newer = services.assessment_create(
            district=district,
            created_by=cabinet_member,
            school_year="2027-28",
            title="Cabinet self-assessment",
        )
        assert newer.template == version_2
        assessment.refresh_from_db()
        assert assessment.template.number == 1
        texts = [r.item.text for r in assessment_responses(assessment)]
        newer_texts = [r.item.text for r in assessment_responses(newer)]
    assert len(texts) == 35 and not any(t.startswith("Revised") for t in texts)
    assert all(t.startswith("Revised: ") for t in newer_texts)


def assessment_responses(assessment):
    return ItemResponse.objects.filter(assessment=assessment).select_related("item")


def test_operators_read_the_tool_but_never_change_it(admin_client):
    page = admin_client.get("/operators/selfassessment/item/?q=cabinet-led").content.decode()
    assert "capacity-building-1" in page
    assert admin_client.get("/operators/selfassessment/templateversion/add/").status_code == 403
    item = Item.objects.get(key="capacity-building-1", ingredient__version__number=1)
    response = admin_client.post(f"/operators/selfassessment/item/{item.pk}/change/", {"text": "x"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.text.startswith("Our district has a cabinet-led team")
