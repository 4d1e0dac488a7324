from __future__ import annotations

from django import forms

from partners.models import AbsenceReason, Intervention, PartnerEntry, Tier
from tiering.models import Student

from . import selectors
from .guidance import BACKUP_LINES, HELP_BANK_PROMPTS, PLAN_PROMPTS, STEP_PROMPTS
from .models import CaringConversation, ConversationWith, InterventionStatus
from .services import (
    PLAN_TEXTS,
    BackupContact,
    ConversationFields,
    InterventionFields,
    PlanFields,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, help_text=help_text, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class _TeamMemberField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class ConversationForm(forms.Form):
    held_on = forms.DateField(label="Date", widget=DATE)
    staff = _TeamMemberField(label="Staff member", queryset=None)
    with_whom = forms.ChoiceField(
        label="With whom", choices=ConversationWith.choices, widget=forms.RadioSelect
    )
    learn = _text("1. Learn")
    share = _text("2. Share")
    inform = _text("3. Inform")
    discuss = _text("4. Discuss")
    plan_agreed = _text("5. Arrive at a Plan")
    reasons = forms.ModelMultipleChoiceField(
        label="Reasons for absence identified",
        queryset=AbsenceReason.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = selectors.team_members(school=student.school)
        self.fields["reasons"].queryset = AbsenceReason.objects.order_by("position")
        for prompt in STEP_PROMPTS:
            widget = self.fields[prompt.field].widget
            widget.attrs["aria-describedby"] = f"id_{prompt.field}_prompt"

    @staticmethod
    def initial_for(conversation: CaringConversation) -> dict:
        return {
            "held_on": conversation.held_on,
            "staff": conversation.staff_id,
            "with_whom": conversation.with_whom,
            **{p.field: getattr(conversation, p.field) for p in STEP_PROMPTS},
            "reasons": [r.pk for r in conversation.reasons.all()],
        }

    def steps(self) -> list[tuple]:
        """(bound field, prompt) for the five steps, in order."""
        return [(self[p.field], p) for p in STEP_PROMPTS]

    def reason_groups(self) -> list[tuple[str, str, list]]:
        """The reasons' checkboxes grouped by root-cause family: (family, tagline, boxes)."""
        boxes = {str(box.data["value"]): box for box in self["reasons"]}
        return [
            (family, tagline, [boxes[str(r.pk)] for r in reasons])
            for family, tagline, reasons in selectors.reasons_by_family()
        ]

    def conversation_fields(self) -> ConversationFields:
        data = self.cleaned_data
        return ConversationFields(
            held_on=data["held_on"],
            staff=data["staff"],
            with_whom=data["with_whom"],
            reasons=list(data["reasons"]),
            **{p.field: data[p.field] for p in STEP_PROMPTS},
        )


class PlanForm(forms.Form):
    conversation = forms.ModelChoiceField(
        label="Agreed in the conversation of", queryset=None, required=False
    )
    steps = _text(
        "Specific steps that will help to prevent absenteeism in the future", PLAN_PROMPTS["steps"]
    )
    school_support = _text("Support that the school will offer", PLAN_PROMPTS["school_support"])
    my_family = _text("My Family", HELP_BANK_PROMPTS["my_family"])
    everyday_helpers = _text("Everyday Helpers", HELP_BANK_PROMPTS["everyday_helpers"])
    occasional_helpers = _text("Occasional Helpers", HELP_BANK_PROMPTS["occasional_helpers"])
    potential_helpers = _text("Potential Helpers", HELP_BANK_PROMPTS["potential_helpers"])
    next_check_in = forms.DateField(
        label="Next check-in", required=False, widget=DATE, help_text=PLAN_PROMPTS["next_check_in"]
    )
    check_in_by = _TeamMemberField(label="Who checks in", queryset=None, required=False)

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, **kwargs)
        conversations = CaringConversation.objects.filter(student=student).order_by("-held_on")
        self.fields["conversation"].queryset = conversations
        self.fields["conversation"].label_from_instance = lambda c: f"{c.held_on:%b %-d, %Y}"
        self.fields["check_in_by"].queryset = selectors.team_members(school=student.school)
        for n in range(1, BACKUP_LINES + 1):
            self.fields[f"backup_name_{n}"] = forms.CharField(
                label=f"Back-up {n}: name", required=False, max_length=200
            )
            self.fields[f"backup_phone_{n}"] = forms.CharField(
                label=f"Back-up {n}: best contact number", required=False, max_length=40
            )

    @staticmethod
    def initial_for(plan) -> dict:
        initial = {name: getattr(plan, name) for name in (*PLAN_TEXTS, "next_check_in")}
        initial["conversation"] = plan.conversation_id
        initial["check_in_by"] = plan.check_in_by_id
        for n, contact in enumerate(plan.backup_contacts, start=1):
            initial[f"backup_name_{n}"] = contact["name"]
            initial[f"backup_phone_{n}"] = contact["phone"]
        return initial

    def plan_steps(self) -> list:
        return [self["conversation"], self["steps"], self["school_support"]]

    def help_bank(self) -> list:
        return [self[name] for name in HELP_BANK_PROMPTS]

    def backups(self) -> list[tuple]:
        return [
            (self[f"backup_name_{n}"], self[f"backup_phone_{n}"])
            for n in range(1, BACKUP_LINES + 1)
        ]

    def check_in(self) -> list:
        return [self["next_check_in"], self["check_in_by"]]

    def plan_fields(self) -> PlanFields:
        data = self.cleaned_data
        return PlanFields(
            **{name: data[name] for name in PLAN_TEXTS},
            backup_contacts=[
                BackupContact(data[f"backup_name_{n}"], data[f"backup_phone_{n}"])
                for n in range(1, BACKUP_LINES + 1)
            ],
            next_check_in=data["next_check_in"],
            check_in_by=data["check_in_by"],
            conversation=data["conversation"],
        )


class _EntryField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartnerEntry) -> str:
        return f"{obj.organization.name}: {obj.provided}"


class InterventionForm(forms.Form):
    intervention = forms.ModelChoiceField(label="Intervention", queryset=Intervention.objects.all())
    tier = forms.ChoiceField(
        label="Tier",
        required=False,
        choices=[("", "The intervention's own tier"), *Tier.choices],
        help_text="Interventions for a reason for absence have no tier of their own: choose one.",
    )
    reason = forms.ModelChoiceField(
        label="Reason for absence it addresses",
        queryset=AbsenceReason.objects.order_by("position"),
        required=False,
        empty_label="The intervention's own reason, if any",
    )
    owner = _TeamMemberField(label="Owner", queryset=None)
    starts_on = forms.DateField(label="Start date", widget=DATE)
    ends_on = forms.DateField(label="End date", required=False, widget=DATE)
    status = forms.ChoiceField(label="Status", choices=InterventionStatus.choices)
    note = _text("Note")
    partner_entry = _EntryField(
        label="Referral to a partner",
        queryset=None,
        required=False,
        empty_label="No referral",
        help_text="Partners of the registry serving the student's school.",
    )
    referred_on = forms.DateField(label="Referred on", required=False, widget=DATE)

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.team_members(school=student.school)
        self.fields["partner_entry"].queryset = selectors.referral_entries(school=student.school)
        self.fields["intervention"].choices = [("", "---------"), *_grouped_interventions()]

    @staticmethod
    def initial_for(item) -> dict:
        return {
            "intervention": item.intervention_id,
            "tier": item.tier if item.tier != item.intervention.tier else "",
            "reason": item.reason_id if item.reason_id != item.intervention.reason_id else None,
            "owner": item.owner_id,
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "status": item.status,
            "note": item.note,
            "partner_entry": item.partner_entry_id,
            "referred_on": item.referred_on,
        }

    def intervention_fields(self) -> InterventionFields:
        data = self.cleaned_data
        return InterventionFields(
            intervention=data["intervention"],
            owner=data["owner"],
            starts_on=data["starts_on"],
            tier=data["tier"],
            reason=data["reason"],
            ends_on=data["ends_on"],
            status=data["status"],
            note=data["note"],
            partner_entry=data["partner_entry"],
            referred_on=data["referred_on"],
        )


def _grouped_interventions() -> list[tuple[str, list[tuple[int, str]]]]:
    """The Attendance Playbook's interventions by tier, then the alignment table's by reason."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for item in Intervention.objects.select_related("reason").order_by("position"):
        groups.setdefault(item.source_label, []).append((item.pk, item.name))
    playbook = [(g, c) for g, c in groups.items() if not g.startswith("For ")]
    return playbook + [(g, c) for g, c in groups.items() if g.startswith("For ")]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=InterventionStatus.choices)
