"""The forms of importing a plan: the upload (``ImportForm``) and how its columns are
read (``ColumnsForm``)."""

from django import forms

from core.forms import GovukDateField, GovukFormMixin
from deliverables import mapping as columns

MISSING = {
    "reference": "Enter the new plan's reference, or choose a plan.",
    "title": "Enter the new plan's title, or choose a plan.",
    "starts_on": "Enter the date the new plan starts.",
    "ends_on": "Enter the date the new plan ends.",
}


class ImportForm(GovukFormMixin, forms.Form):
    """Upload a plan's action table; a preview comes before anything is written."""

    file = forms.FileField(
        label="Action table",
        help_text="A CSV or Excel (.xlsx) file, one row per deliverable, in your "
        "own layout or the tracker's.",
    )
    organisation = forms.ModelChoiceField(
        queryset=None, label="Policing body that owns the plan", empty_label=None
    )
    plan = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Plan",
        empty_label="A new plan",
        help_text="Choose a plan to update it, or describe a new one below.",
    )
    reference = forms.CharField(
        label="New plan's reference",
        required=False,
        max_length=100,
        help_text="For example R.4/2017.",
    )
    title = forms.CharField(label="New plan's title", required=False, max_length=300)
    starts_on = GovukDateField(
        label="New plan starts on", required=False, help_text="For example, 1 1 2017."
    )
    ends_on = GovukDateField(
        label="New plan ends on", required=False, help_text="For example, 31 12 2017."
    )

    def __init__(self, *args, organisations, plans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["plan"].queryset = plans

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(
                "The file must be a CSV or an Excel .xlsx file."
            )
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 5 MB.")
        return upload

    def clean(self):
        data = super().clean()
        if not data.get("plan"):
            for name in ("reference", "title", "starts_on", "ends_on"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, MISSING[name])
        return data


class ColumnsForm(GovukFormMixin, forms.Form):
    """Which field each of a file's columns holds: one choice per column, proposed
    for the editor to correct, and what the file's heading rows name.

    Built from the file's ``Table`` (``deliverables.mapping``); ``mapping()`` gives
    the choice as a ``Mapping``. The problems ``mapping.problems`` finds (a column
    the titles must come from, a field chosen twice) show beside the columns
    concerned."""

    headings = forms.ChoiceField(
        label="Rows that hold a single heading",
        widget=forms.RadioSelect,
        required=False,
        choices=[
            ("strand", "Name the strand of the rows below them"),
            ("priority", "Name the priority of the rows below them"),
            ("", "Leave them out"),
        ],
        help_text="Such as a row that says only \u201cStrand 2: Victims\u201d.",
    )

    def __init__(self, *args, table, initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        choices = [("", "Leave out")] + [
            (name, label) for name, label in columns.FIELD_LABELS.items() if name
        ]
        for index, header in enumerate(table.header):
            examples = []
            for _number, cells in table.rows:
                example = cells[index][:60]
                if (
                    example
                    and example not in examples
                    and not columns.heading_row(cells)
                ):
                    examples.append(example)
                if len(examples) == 3:
                    break
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or f"Column {index + 1} (no heading)",
                choices=choices,
                required=False,
                help_text=(
                    "For example: " + "; ".join(examples) if examples else "Empty."
                ),
            )
            if initial_mapping is not None:
                self.initial[f"column_{index}"] = initial_mapping.columns[index]
        if initial_mapping is not None:
            self.initial["headings"] = initial_mapping.headings
        if not columns.heading_rows(table):
            del self.fields["headings"]

    def column_fields(self):
        return [self[f"column_{i}"] for i in range(len(self.table.header))]

    def mapping(self) -> columns.Mapping:
        data = self.cleaned_data
        return columns.Mapping(
            columns=[
                data.get(f"column_{i}", "") for i in range(len(self.table.header))
            ],
            headings=data.get("headings", ""),
        )

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        chosen = self.mapping()
        for problem in columns.problems(self.table, chosen):
            concerned = [
                f"column_{i}"
                for i, name in enumerate(chosen.columns)
                if name == problem.column
            ]
            if len(concerned) > 1:
                # A field chosen for several columns: beside each, a message that
                # names that column first, so the summary's links say where each goes.
                for name in concerned:
                    self.add_error(
                        name, self._chosen_again(name, concerned, problem.column)
                    )
            elif concerned:
                self.add_error(concerned[0], problem.message)
            elif "headings" in self.fields and problem.column == "headings":
                self.add_error("headings", problem.message)
            else:
                # No column holds the field yet: say so beside the first column.
                self.add_error("column_0", problem.message)
        return data

    def _chosen_again(self, name: str, concerned: list[str], field: str) -> str:
        """What to say beside one of several columns chosen as the same field."""
        others = [f'"{self.fields[n].label}"' for n in concerned if n != name]
        if len(others) == 1:
            listed, are, other = others[0], "is", "other"
        else:
            listed = ", ".join(others[:-1]) + f" and {others[-1]}"
            are, other = "are", "others"
        return (
            f'"{self.fields[name].label}" is chosen as '
            f"{columns.FIELD_LABELS.get(field, field)}, and so {are} {listed}: "
            f"choose one and leave out the {other}."
        )
