from django import forms

from plans.forms import GovukDateField, GovukFormMixin
from scrutiny.models import DecisionNotice


class DecisionNoticeForm(GovukFormMixin, forms.ModelForm):
    approved_on = GovukDateField(label="Date approved")

    class Meta:
        model = DecisionNotice
        fields = ["reference", "title", "approved_on", "summary", "url", "deliverables"]
        labels = {
            "url": "Where it is published (optional)",
            "deliverables": "Deliverables it funds or changes",
        }
        widgets = {"deliverables": forms.CheckboxSelectMultiple}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["deliverables"]
        field.queryset = plan.deliverables.order_by("position", "reference")
        field.label_from_instance = lambda d: f"{d.reference} {d.title}"
        field.required = False
        self.instance.plan = plan
        self.instance.decided_by = plan.owner

    def clean_reference(self):
        reference = self.cleaned_data["reference"]
        taken = DecisionNotice.objects.filter(
            decided_by=self.instance.decided_by, reference=reference
        ).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("A decision notice already has this reference.")
        return reference
