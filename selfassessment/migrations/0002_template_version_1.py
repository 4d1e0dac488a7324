"""Version 1 of the planning tool, in the document's own words: "Does Our School District Have
a Systemic Approach to Reducing Chronic Absence? A Planning Tool for Districts and Communities"
(Attendance Works). The texts are written here, not read from app code, so that this version
stays exactly as districts rated it whatever later versions change."""

from django.db import migrations
from django.utils.text import slugify

TITLE = "Does Our School District Have a Systemic Approach to Reducing Chronic Absence?"
SOURCE = "Attendance Works: A Planning Tool for Districts and Communities"

INGREDIENTS = [
    (
        "Capacity Building",
        [
            "Our district has a cabinet-led team with responsibility for attendance that aligns with existing strategies to improve academic outcomes that represents key departments/functions (e.g., academics, student support, early learning, English language learners, students with disabilities, communications, family engagement, health, technology and college and career)",
            "Our district team has the skills and knowledge to identify, discuss and address educational inequities that impact attendance based on race, culture, gender, income and special needs.",
            "Our district has a comprehensive attendance policy and practice manual that outlines what schools can do to build a positive culture of attendance and promote early intervention.",
            "Our district team equips principals with the skills and knowledge to identify, discuss and address educational inequities that impact attendance based on race, culture, gender, income and special needs.",
            "Our district team builds school level capacity to work as a team to take a multi-tiered approach to address chronic absence by providing guidance, resources, professional development and coaching.",
            "Our district has equipped school leaders to leverage, consolidate and maximize all available school, district and community resources to cultivate a culture of attendance.",
        ],
    ),
    (
        "Actionable Data",
        [
            "Our district team has established protocols for taking attendance/participation on a daily basis for in-person and distance learning and recording it in the district data system.",
            "Our district team and school principals review current and previous year data on attendance/chronic absence for in-person and distance learning at least every two weeks.",
            "Our district team ensures that school principals and site-level teams have access to attendance/chronic absence data at the individual student level and broken down by grades, disability, race/ethnicity, income, zip code, and special needs to understand and address inequitable patterns.",
            "Our district protocols require that contact information for families be updated each semester and that schools have the capacity to update information as needed.",
            "Our district team has data to monitor whether every student has access to the technology they need to fully engage in learning.",
            "Our district team ensures that schools collect qualitative data about the reasons students miss school (in-person or remote) in order to determine appropriate strategies for removing barriers to attendance.",
        ],
    ),
    (
        "Positive Engagement",
        [
            "Our district ensures schools are able to implement a restorative, positive school climate, with differentiated engagement strategies, that mitigate disconnectedness, stress and trauma.",
            "Our district ensures outreach and family engagement staff reflect the race, language and cultures of the students and families enrolled in the district.",
            "Our district has developed criteria to utilize home visits as an early intervention and engagement strategy with updated protocols to ensure health and safety.",
            "Our district disseminates clear, engaging, accessible and easy to understand information in families’ home languages about attendance, including why it matters, expectations for participation across all modes of learning, and where to obtain support.",
            "Our district has protocols and tools for personalized, early outreach to families when student absences start to add up that ensure our school staff understand the family situation, student assets and needs.",
            "Our district provides flexibility for schools to create schedules that are responsive to the needs of their students and families (e.g., shift classes to accommodate work schedules, cultural / religious traditions or medical issues).",
        ],
    ),
    (
        "Strategic Partnerships",
        [
            "Our district leverages its community partnerships to align services and supports to the needs, languages and cultures of historically marginalized groups of students and families (e.g. Black, Latinx, Native American, Pacific Islander, LGBTQ, immigrants and students with disabilities).",
            "Our district has prioritized partnerships with public agencies, community-based nonprofits and grassroots organizations that have relationships with our districts’ students and families and included them in the design and implementation of multi-tiered attendance strategies.",
            "Our district has made available enrichment opportunities and resources that are accessible to all students (English language learners, students with disabilities, economically disadvantaged) through partnerships.",
            "Our district ensures that all expanded learning providers, including afterschool programming, understand and align their work with our multi-tiered attendance strategies.",
            "Our district has partnerships with businesses, government agencies, foundations, and others to ensure connectivity and technology access for all families and students.",
        ],
    ),
    (
        "Adequate & Equitable Resources",
        [
            "Our district has mapped school, district and community-based resources that promote attendance.",
            "Our district has identified gaps in funding and resources that affect attendance.",
            "Our district team has a system in place to hear from and respond to school attendance teams about their needs, service gaps for underserved student groups, and resource implications.",
            "Our district prioritizes the distribution of financial, staffing and community resources to schools with higher rates of chronic absence and large populations of vulnerable students.",
            "Our district promotes equity by hiring staff and procuring services from community-based partners that reflect the diversity of our student and family population.",
            "Our district advocates for funding and resources from government entities at the local, state and national level to address identified gaps.",
        ],
    ),
    (
        "Shared Accountability",
        [
            "Our district has set district-wide goals for improving attendance and reducing chronic absence.",
            "Our district ensures that school leaders have set goals and a data-driven plan to improve attendance and reduce chronic absence.",
            "Our district ensures that data for each student (including attendance, behavior and academic progress) is easy to understand and accessible to families in a timely manner.",
            "Our district ensures school leaders use their quantitative and qualitative data to examine if their attendance improvement strategies have addressed the needs of chronically absent students and their families.",
            "Our district and schools have Memorandums of Understanding or Data Sharing Agreements with community partners that specify roles, responsibilities and performance metrics for collective outcomes.",
            "Our district publicly shares aggregated attendance, chronic absence, discipline and academic performance data with community partners and stakeholders.",
        ],
    ),
]

# (heading, question): the heading is what the tool sets in bold.
REFLECTION_QUESTIONS = [
    (
        "Greatest strengths",
        "What are your district's greatest strengths across the six ingredients? "
        "(Review the results from your self-assessment.)",
    ),
    (
        "Biggest challenges",
        "What are the biggest challenges your district faces across the six ingredients? "
        "(Review the results from your self-assessment.)",
    ),
    (
        "Most important steps",
        "What are the three or four most important steps that could be taken over the course "
        "of the next year to lay the foundation for reducing chronic absence?",
    ),
    (
        "What is already going on",
        "What is already going on in your community and school district that could be "
        "leveraged to help take these steps?",
    ),
    (
        "Share all of your ideas",
        "If you are creating this action plan with others, share all of your ideas for the "
        "three or four most important steps. Identify if any of the steps are more important "
        "to achieve first to lay the foundation for others. Agree upon the top three to five "
        "shared priorities for action.",
    ),
    (
        "Identify the following",
        "For each priority, identify the following: what are the resources that could be "
        "leveraged; who are the key groups that should be involved; who could take the lead in "
        "moving it forward; and what is your timeline for action.",
    ),
]


def seed_version_1(apps, schema_editor):
    TemplateVersion = apps.get_model("selfassessment", "TemplateVersion")
    Ingredient = apps.get_model("selfassessment", "Ingredient")
    Item = apps.get_model("selfassessment", "Item")
    ReflectionQuestion = apps.get_model("selfassessment", "ReflectionQuestion")
    version = TemplateVersion.objects.create(number=1, title=TITLE, source=SOURCE)
    for position, (name, texts) in enumerate(INGREDIENTS, start=1):
        ingredient = Ingredient.objects.create(version=version, position=position, name=name)
        Item.objects.bulk_create(
            Item(
                ingredient=ingredient,
                position=n,
                key=f"{slugify(name)}-{n}",
                text=text,
            )
            for n, text in enumerate(texts, start=1)
        )
    ReflectionQuestion.objects.bulk_create(
        ReflectionQuestion(version=version, position=n, heading=heading, text=text)
        for n, (heading, text) in enumerate(REFLECTION_QUESTIONS, start=1)
    )


def remove_version_1(apps, schema_editor):
    TemplateVersion = apps.get_model("selfassessment", "TemplateVersion")
    Ingredient = apps.get_model("selfassessment", "Ingredient")
    Item = apps.get_model("selfassessment", "Item")
    ReflectionQuestion = apps.get_model("selfassessment", "ReflectionQuestion")
    Item.objects.filter(ingredient__version__number=1).delete()
    Ingredient.objects.filter(version__number=1).delete()
    ReflectionQuestion.objects.filter(version__number=1).delete()
    TemplateVersion.objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("selfassessment", "0001_initial")]

    operations = [migrations.RunPython(seed_version_1, remove_version_1)]
