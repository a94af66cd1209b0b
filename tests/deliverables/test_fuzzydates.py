"""Tests for deliverables.fuzzydates: plan dates as written, with their windows."""

import dataclasses
import datetime

import pytest

from deliverables.fuzzydates import (
    ACCEPTED_FORMS,
    UNKNOWN,
    FuzzyDate,
    FuzzyDateError,
    parse,
)

D = datetime.date


# Every accepted form, with the window it stands for.  The year is always written
# here, so default_year must make no difference (checked below).
KNOWN_FORMS = [
    # quarters
    ("Q1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    ("Q2 2018", D(2018, 4, 1), D(2018, 6, 30)),
    ("Q3 2018", D(2018, 7, 1), D(2018, 9, 30)),
    ("Q4 2017", D(2017, 10, 1), D(2017, 12, 31)),
    ("Q1 2022", D(2022, 1, 1), D(2022, 3, 31)),
    ("q4 2017", D(2017, 10, 1), D(2017, 12, 31)),
    ("Q4 '17", D(2017, 10, 1), D(2017, 12, 31)),
    ("Q4 \u201917", D(2017, 10, 1), D(2017, 12, 31)),
    ("Q4 17", D(2017, 10, 1), D(2017, 12, 31)),
    ("Qtr 1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    ("qtr1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    ("Quarter 1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    # quarter ranges
    ("Q2/Q3 2018", D(2018, 4, 1), D(2018, 9, 30)),
    ("Q3 Q4 2018", D(2018, 7, 1), D(2018, 12, 31)),
    ("Q2-Q3 2018", D(2018, 4, 1), D(2018, 9, 30)),
    ("Q2 - Q3 2018", D(2018, 4, 1), D(2018, 9, 30)),
    ("Q2 \u2013 Q3 2018", D(2018, 4, 1), D(2018, 9, 30)),
    ("Q2 to Q3 2018", D(2018, 4, 1), D(2018, 9, 30)),
    ("Q2 and Q3 2018", D(2018, 4, 1), D(2018, 9, 30)),
    ("Q3/4 2018", D(2018, 7, 1), D(2018, 12, 31)),
    ("Q1-Q2 2018", D(2018, 1, 1), D(2018, 6, 30)),
    ("Q1 Q1 Q1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    ("Q1/Q1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    ("Q1 Q2 Q3 Q4 2018", D(2018, 1, 1), D(2018, 12, 31)),
    ("Q2/Q3 '18", D(2018, 4, 1), D(2018, 9, 30)),
    # years
    ("2017", D(2017, 1, 1), D(2017, 12, 31)),
    ("1900", D(1900, 1, 1), D(1900, 12, 31)),
    ("2199", D(2199, 1, 1), D(2199, 12, 31)),
    ("2017 and 2018", D(2017, 1, 1), D(2018, 12, 31)),
    ("2017-2018", D(2017, 1, 1), D(2018, 12, 31)),
    ("2017 - 2018", D(2017, 1, 1), D(2018, 12, 31)),
    ("2017/18", D(2017, 1, 1), D(2018, 12, 31)),
    ("2017-18", D(2017, 1, 1), D(2018, 12, 31)),
    ("2017 to 2018", D(2017, 1, 1), D(2018, 12, 31)),
    ("2017 to 2020", D(2017, 1, 1), D(2020, 12, 31)),
    ("2017 and 2017", D(2017, 1, 1), D(2017, 12, 31)),
    # months
    ("March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("Mar 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("MARCH 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("Sept 2018", D(2018, 9, 1), D(2018, 9, 30)),
    ("Sep 2018", D(2018, 9, 1), D(2018, 9, 30)),
    ("Sept. 2018", D(2018, 9, 1), D(2018, 9, 30)),
    ("September 2018", D(2018, 9, 1), D(2018, 9, 30)),
    ("May '18", D(2018, 5, 1), D(2018, 5, 31)),
    ("May 18", D(2018, 5, 1), D(2018, 5, 31)),
    ("February 2020", D(2020, 2, 1), D(2020, 2, 29)),
    ("February 2019", D(2019, 2, 1), D(2019, 2, 28)),
    ("December 2018", D(2018, 12, 1), D(2018, 12, 31)),
    ("end of March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("End March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("by end of March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("by the end of March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("due by end of Q1 2018", D(2018, 1, 1), D(2018, 3, 31)),
    # days
    ("31/03/2018", D(2018, 3, 31), D(2018, 3, 31)),
    ("1/3/2018", D(2018, 3, 1), D(2018, 3, 1)),
    ("31/03/18", D(2018, 3, 31), D(2018, 3, 31)),
    ("31-03-2018", D(2018, 3, 31), D(2018, 3, 31)),
    ("31.03.2018", D(2018, 3, 31), D(2018, 3, 31)),
    ("29/02/2020", D(2020, 2, 29), D(2020, 2, 29)),
    ("2018-03-31", D(2018, 3, 31), D(2018, 3, 31)),
    ("2018-3-1", D(2018, 3, 1), D(2018, 3, 1)),
    ("31 March 2018", D(2018, 3, 31), D(2018, 3, 31)),
    ("31st March 2018", D(2018, 3, 31), D(2018, 3, 31)),
    ("1st Mar 2018", D(2018, 3, 1), D(2018, 3, 1)),
    ("2nd March 2018", D(2018, 3, 2), D(2018, 3, 2)),
    ("3rd March 2018", D(2018, 3, 3), D(2018, 3, 3)),
    ("1 Mar 2018", D(2018, 3, 1), D(2018, 3, 1)),
    ("31 March, 2018", D(2018, 3, 31), D(2018, 3, 31)),
    # leading "by" / "due", trailing full stops and commas, odd spacing
    ("by Q4 2017", D(2017, 10, 1), D(2017, 12, 31)),
    ("due Q4 2017", D(2017, 10, 1), D(2017, 12, 31)),
    ("By 31/03/2018", D(2018, 3, 31), D(2018, 3, 31)),
    ("due 2017", D(2017, 1, 1), D(2017, 12, 31)),
    ("Q4 2017.", D(2017, 10, 1), D(2017, 12, 31)),
    ("March 2018,", D(2018, 3, 1), D(2018, 3, 31)),
    ("  Q2 /  Q3   2018 ", D(2018, 4, 1), D(2018, 9, 30)),
]


@pytest.mark.parametrize(("text", "start", "end"), KNOWN_FORMS)
@pytest.mark.parametrize("default_year", [None, 2030])
def test_accepted_forms(text: str, start: D, end: D, default_year: int | None) -> None:
    value = parse(text, default_year=default_year)
    assert (value.start, value.end) == (start, end)
    assert value.is_known


# Forms without a year take default_year.
YEARLESS_FORMS = [
    ("Q1", D(2017, 1, 1), D(2017, 3, 31)),
    ("Q2", D(2017, 4, 1), D(2017, 6, 30)),
    ("Q3", D(2017, 7, 1), D(2017, 9, 30)),
    ("Q4", D(2017, 10, 1), D(2017, 12, 31)),
    ("Q2/Q3", D(2017, 4, 1), D(2017, 9, 30)),
    ("Q3 Q4", D(2017, 7, 1), D(2017, 12, 31)),
    ("Q3/4", D(2017, 7, 1), D(2017, 12, 31)),
    ("Q1 Q1 Q1", D(2017, 1, 1), D(2017, 3, 31)),
    # A list of the dates of a row's bundled parts, in any order (Jersey 3.4.8.4).
    ("Q4 Q3", D(2017, 7, 1), D(2017, 12, 31)),
    ("Q1 Q3 Q2", D(2017, 1, 1), D(2017, 9, 30)),
    ("March", D(2017, 3, 1), D(2017, 3, 31)),
    ("end of Feb", D(2017, 2, 1), D(2017, 2, 28)),
    ("31 March", D(2017, 3, 31), D(2017, 3, 31)),
]


@pytest.mark.parametrize(("text", "start", "end"), YEARLESS_FORMS)
def test_default_year_is_applied(text: str, start: D, end: D) -> None:
    value = parse(text, default_year=2017)
    assert (value.start, value.end) == (start, end)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Q1", 'Give a year with the quarter, for example "Q2 2017".'),
        ("Q2/Q3", 'Give a year with the quarter, for example "Q2 2017".'),
        ("q3 q4", 'Give a year with the quarter, for example "Q2 2017".'),
        ("March", 'Give a year with the month, for example "March 2018".'),
        ("end of March", 'Give a year with the month, for example "March 2018".'),
        ("31 March", 'Give a year with the day, for example "31 March 2018".'),
    ],
)
def test_missing_year_without_default_is_an_error(text: str, fragment: str) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text)
    assert fragment in str(caught.value)
    assert f'"{text}" needs a year.' in str(caught.value)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (None, ""),
        ("", ""),
        ("   ", ""),
        ("TBA", "TBA"),
        ("tba", "tba"),
        ("TBC", "TBC"),
        ("TBD", "TBD"),
        ("TBD.", "TBD."),
        (" TBA ", "TBA"),
        ("To be agreed", "To be agreed"),
        ("to be confirmed", "to be confirmed"),
        ("To Be Determined", "To Be Determined"),
        ("not  known", "not known"),
        ("Not known.", "Not known."),
    ],
)
@pytest.mark.parametrize("default_year", [None, 2017])
def test_unknown_forms(text: str | None, kept: str, default_year: int | None) -> None:
    value = parse(text, default_year=default_year)
    assert value == FuzzyDate(kept, None, None)
    assert not value.is_known


def test_unknown_constant() -> None:
    assert UNKNOWN == FuzzyDate("", None, None)
    assert parse(None) == UNKNOWN
    assert parse("") == UNKNOWN
    assert not UNKNOWN.is_known


@pytest.mark.parametrize(
    "text",
    [
        "soon",
        "Q4/2017",
        "Q3 4",
        "Q",
        "2017 2018",
        "17",
        "Marchember 2018",
        "March 2018 and April 2018",
        "31/03",
        "2018-3",
        "by",
        "end of",
        "31 March 2018 10:00",
        "2018/2019/2020",
        "n/a",
    ],
)
def test_unrecognised_text(text: str) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    message = str(caught.value)
    assert message == f'"{text}" is not a date we recognise. {ACCEPTED_FORMS}'
    assert "is not a date we recognise" in message
    assert ACCEPTED_FORMS in message


def test_unrecognised_text_is_quoted_as_normalised() -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse("  some \t time ")
    assert str(caught.value).startswith('"some time" is not a date we recognise.')


def test_accepted_forms_is_one_sentence_naming_the_forms() -> None:
    assert ACCEPTED_FORMS.startswith("Use ")
    assert ACCEPTED_FORMS.endswith(".")
    assert ACCEPTED_FORMS.count(". ") == 0
    for example in ("Q2/Q3", "2017 and 2018", "end of March 2018", "31/03/2018", "TBA"):
        assert example in ACCEPTED_FORMS


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/02/2018", '"31/02/2018" is not a real day: February 2018 has 28 days.'),
        ("29/02/2019", '"29/02/2019" is not a real day: February 2019 has 28 days.'),
        ("31/04/2018", '"31/04/2018" is not a real day: April 2018 has 30 days.'),
        ("0/03/2018", '"0/03/2018" is not a real day: March 2018 has 31 days.'),
        ("2018-13-01", '"2018-13-01" is not a real day: there is no month 13.'),
        ("2018-00-10", '"2018-00-10" is not a real day: there is no month 0.'),
        ("01/13/2018", '"01/13/2018" is not a real day: there is no month 13.'),
        ("32 March 2018", '"32 March 2018" is not a real day: March 2018 has 31 days.'),
    ],
)
def test_invalid_days(text: str, fragment: str) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Q4/Q1", "Put the earlier quarter first"),
        ("Q4/Q1 2018", "Put the earlier quarter first"),
        ("Q3 - Q2", "Put the earlier quarter first"),
        ("2018 and 2017", "Put the earlier year first"),
        ("2018-2017", "Put the earlier year first"),
        ("2018/17", "Put the earlier year first"),
    ],
)
def test_ranges_that_run_backwards(text: str, fragment: str) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    message = str(caught.value)
    assert message.startswith(f'"{text}" ends before it starts.')
    assert fragment in message


@pytest.mark.parametrize(
    ("text", "number"),
    [("Q0 2018", 0), ("Q5 2018", 5), ("Q5", 5), ("Q3/Q5 2018", 5), ("Q0/Q1", 0)],
)
def test_quarters_outside_one_to_four(text: str, number: int) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    assert str(caught.value) == (
        f'"{text}" names quarter {number}; quarters run from Q1 to Q4.'
    )


@pytest.mark.parametrize(
    ("text", "default_year", "year"),
    [
        ("1899", None, 1899),
        ("2200", None, 2200),
        ("Q1 1850", None, 1850),
        ("March 2300", None, 2300),
        ("31/03/1066", None, 1066),
        ("1899 and 1901", None, 1899),
        ("Q1", 1800, 1800),
    ],
)
def test_years_outside_the_accepted_range(
    text: str, default_year: int | None, year: int
) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=default_year)
    assert str(caught.value) == (
        f'"{text}" has the year {year}; use a year from 1900 to 2199.'
    )


def test_too_long() -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse("Q1 2018 " + "x" * 100)
    assert str(caught.value) == "Keep the date to 100 characters or fewer."


def test_length_is_counted_after_collapsing_whitespace() -> None:
    # 100 characters once trimmed: too long for a date, but not "too long".
    with pytest.raises(FuzzyDateError, match="is not a date we recognise"):
        parse("   " + "x" * 100 + "   ")


def test_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="is not a date we recognise"):
        parse("soon")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("  q2 /  q3 ", "q2 / q3"),
        ("Q4\t2017", "Q4 2017"),
        ("end  of\nMarch 2018", "end of March 2018"),
        ("Q4 2017.", "Q4 2017."),
        ("May '18", "May '18"),
        ("31/03/2018", "31/03/2018"),
    ],
)
def test_text_is_trimmed_and_collapsed_but_otherwise_kept(text: str, kept: str) -> None:
    assert parse(text, default_year=2017).text == kept


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (parse("Q2/Q3", default_year=2017), "Q2/Q3"),
        (parse("  end of  March 2018 "), "end of March 2018"),
        (parse("TBD"), "TBD"),
        (parse("to be agreed"), "to be agreed"),
        (parse(None), "TBA"),
        (parse(""), "TBA"),
        (UNKNOWN, "TBA"),
    ],
)
def test_str(value: FuzzyDate, shown: str) -> None:
    assert str(value) == shown


@pytest.mark.parametrize(
    ("text", "as_of", "late"),
    [
        ("Q2 2018", D(2018, 3, 31), False),  # before the window
        ("Q2 2018", D(2018, 4, 1), False),  # first day of the window
        ("Q2 2018", D(2018, 5, 15), False),  # inside the window
        ("Q2 2018", D(2018, 6, 30), False),  # last day of the window
        ("Q2 2018", D(2018, 7, 1), True),  # day after the end
        ("Q2 2018", D(2019, 1, 1), True),
        ("31/03/2018", D(2018, 3, 31), False),
        ("31/03/2018", D(2018, 4, 1), True),
        ("end of March 2018", D(2018, 3, 31), False),
        ("end of March 2018", D(2018, 4, 1), True),
        ("2017 and 2018", D(2018, 12, 31), False),
        ("2017 and 2018", D(2019, 1, 1), True),
        ("TBA", D(2018, 1, 1), False),  # unknown is never late
        ("TBA", D(9999, 12, 31), False),
        ("", D(9999, 12, 31), False),
    ],
)
def test_is_late(text: str, as_of: D, late: bool) -> None:
    assert parse(text).is_late(as_of) is late


def test_sort_key() -> None:
    assert parse("Q2 2018").sort_key() == (0, D(2018, 6, 30), D(2018, 4, 1))
    assert parse("TBA").sort_key() == (1, D.max, D.max)
    assert UNKNOWN.sort_key() == (1, D.max, D.max)


def test_sorting_puts_unknowns_last_and_orders_by_end_then_start() -> None:
    values = [
        parse("TBA"),
        parse("2018"),  # ends 31 Dec 2018, starts 1 Jan
        parse("Q4 2018"),  # ends 31 Dec 2018, starts 1 Oct
        parse(""),
        parse("Q1/Q2 2018"),  # ends 30 Jun 2018, starts 1 Jan
        parse("Q2 2018"),  # ends 30 Jun 2018, starts 1 Apr
        parse("31/03/2018"),  # ends 31 Mar 2018
        parse("TBD"),
        parse("2017 and 2018"),  # ends 31 Dec 2018, starts 1 Jan 2017
        parse("March 2018"),  # ends 31 Mar 2018, starts 1 Mar
    ]
    ordered = [str(value) for value in sorted(values)]
    assert ordered[:7] == [
        "March 2018",
        "31/03/2018",
        "Q1/Q2 2018",
        "Q2 2018",
        "2017 and 2018",
        "2018",
        "Q4 2018",
    ]
    assert sorted(ordered[7:]) == ["TBA", "TBA", "TBD"]
    assert all(not value.is_known for value in sorted(values)[7:])


def test_comparisons_follow_the_sort_key() -> None:
    march, q2, tba = parse("March 2018"), parse("Q2 2018"), parse("TBA")
    assert march < q2 < tba
    assert march <= q2 <= tba
    assert tba > q2 > march
    assert tba >= q2 >= march
    assert not tba < march
    assert max([tba, march, q2]) is tba
    assert min([tba, march, q2]) is march


def test_same_window_written_differently() -> None:
    # Equality is the dataclass one (the text counts); ordering must agree with it.
    written, spelt = parse("Q1 2018"), parse("Qtr 1 2018")
    assert written != spelt
    assert written.sort_key() == spelt.sort_key()
    assert (written < spelt) != (spelt < written)
    assert (written > spelt) != (spelt > written)
    assert written == parse(" Q1  2018 ")
    assert written <= parse("Q1 2018") and written >= parse("Q1 2018")


def test_comparing_with_other_types_is_refused() -> None:
    with pytest.raises(TypeError):
        _ = parse("2018") < D(2018, 1, 1)


def test_values_are_frozen_and_hashable() -> None:
    value = parse("Q1 2018")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.text = "Q2 2018"  # type: ignore[misc]
    assert len({value, parse("Q1 2018"), UNKNOWN, parse(None)}) == 2


@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2018, 1, 1), None), (None, D(2018, 1, 1)), (D(2018, 2, 1), D(2018, 1, 1))],
)
def test_inconsistent_windows_are_refused(start: D | None, end: D | None) -> None:
    with pytest.raises(ValueError):
        FuzzyDate("x", start, end)
