"""The source's worked example as a template to start a cycle from, word for word: "PDSA
Example: 2x10 Relationship Strategy Bank" (Attendance Works, rev. August 2023) — its testers,
title, change idea, note under the date, goal, driver, learning questions with their
predictions and the data to collect, and the steps of the test. The worksheet numbers each
question and prediction ("Q1 - Prediction - …"); the numbers are the cycle's, not the text's.
"""

from django.db import migrations

CODE = "2x10-relationship-strategy"

TEMPLATE = {
    "code": CODE,
    "name": "2x10 Relationship Strategy",
    "goal_line": "Goal: Improve attendance for disconnected students",
    "testers": "Attendance Team",
    "title": "2x10 Strategy",
    "idea": (
        "2x10 Strategy is the change idea. Attendance Team members will each identify one "
        "student who might benefit from additional support. Attendance Team members will each "
        "meet with one student for two minutes for ten consecutive days, allowing the student "
        "to talk about anything they would like."
    ),
    "test_notes": (
        "After the ten days, reflect on the following: How did this help you learn about the "
        "student in new ways? What did you notice about your relationship with the student "
        "across the ten days? What are the implications of your learning for school practice "
        "going forward?"
    ),
    "goal": (
        "Improve attendance for students who seem to be disconnected and who have missed "
        "between 10-19% of the school year. Provide adults with insight into student "
        "realities. Students who feel seen, heard, and cared for will have better attendance. "
        "Selected students will have fewer total absences going forward as a result of feeling "
        "more cared for."
    ),
    "driver": "Insight into student realities that might strengthen positive adult-peer relationships",
    "planned_days": 10,
    "questions": [
        {
            "text": "Are adults willing and able to support this intervention?",
            "prediction": "All Attendance Team members (8) are willing to participate",
            "data": "2x10 checklist from each Team member",
        },
        {
            "text": (
                "How many of the identified students will participate in the check-in for ten "
                "consecutive days?"
            ),
            "prediction": "5 students will check in for ten consecutive days",
            "data": "",
        },
        {
            "text": "Does attendance for students who participate improve going forward?",
            "prediction": (
                "Students who participate in all 10 days improve attendance going forward."
            ),
            "data": (
                "Student attendance prior to 2x10, during 2x10, in the two weeks following the "
                "2x10, and one month following the 2X10"
            ),
        },
        {
            "text": "What are the implications for wider implementation of the 2x10 strategy?",
            "prediction": "Implications for wider implementation?",
            "data": "Meet with Attendance Team members and students for reflection",
        },
        {
            "text": (
                "Are there any spillover effects, e.g., do some students participate more in "
                "class? Does behavior improve?"
            ),
            "prediction": "Are there any spillover effects?",
            "data": "",
        },
    ],
    "steps": [
        {
            "text": (
                "Review the 2x10 process with team members to get buy-in to ensure fidelity and "
                "provide conversation starters"
            ),
            "owner": "",
        },
        {"text": "Use data to identify students for outreach", "owner": ""},
        {
            "text": "Team members invite one student to check in at a specific time/location",
            "owner": "",
        },
        {
            "text": "At the end of each check-in, make specific plans for meeting the following day.",
            "owner": "",
        },
        {"text": "Note on the 2x10 grid when the check-in is complete", "owner": ""},
    ],
    "source": (
        "PDSA Example: 2x10 Relationship Strategy Bank (Attendance Works, PDSA-Plan-Do-Study-Act "
        "worksheet EXAMPLE 2x10, rev. August 2023)"
    ),
    "position": 1,
}


def seed(apps, schema_editor):
    apps.get_model("pdsa", "CycleTemplate").objects.update_or_create(
        code=CODE, defaults={k: v for k, v in TEMPLATE.items() if k != "code"}
    )


def unseed(apps, schema_editor):
    apps.get_model("pdsa", "CycleTemplate").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("pdsa", "0002_pdsa_walls")]

    operations = [migrations.RunPython(seed, unseed)]
