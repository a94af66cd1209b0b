"""The one field every two-factor page asks for: a code."""

from django import forms

from core.actors import edits_anywhere
from core.forms import GovukFormMixin
from core.models import NotificationChoices


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        error_messages={"required": "Enter the code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "autocapitalize": "none",
                "class": "govuk-input--width-10",
            }
        ),
    )

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["code"].label = label
        if help_text:
            self.fields["code"].help_text = help_text


class NotificationsForm(GovukFormMixin, forms.Form):
    """Which e-mails about progress updates a person gets (``NotificationChoices``)."""

    CHOICES = {
        "when_returned": "An update of mine is returned to me",
        "when_accepted": "An update of mine is accepted",
        "review_digest": "A daily digest of updates waiting for my review",
    }

    notifications = forms.MultipleChoiceField(
        label="E-mail me when",
        required=False,
        help_text="Select all that apply.",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, editor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = list(self.CHOICES.items())
        if not editor:
            # Only editors and administrators review updates.
            choices = choices[:2]
        self.fields["notifications"].choices = choices

    @classmethod
    def initial_for(cls, choices) -> list[str]:
        return [name for name in cls.CHOICES if getattr(choices, name)]


def notifications_form(user, data=None) -> NotificationsForm:
    """The account page's form, showing the person's choices (or the defaults)."""
    return NotificationsForm(
        data,
        editor=edits_anywhere(user),
        initial={
            "notifications": NotificationsForm.initial_for(NotificationChoices.of(user))
        },
    )
