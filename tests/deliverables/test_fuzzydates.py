"""Tests for deliverables.fuzzydates: plan dates as written, with their windows."""

import dataclasses
import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# The forms plans use besides quarters, years, months and days (issue 17), with the
# window each stands for.  As above, default_year makes no difference.
NEW_FORMS = [
    # seasons, meteorological: three whole months
    ("Spring 2018", D(2018, 3, 1), D(2018, 5, 31)),
    ("summer 2018", D(2018, 6, 1), D(2018, 8, 31)),
    ("Autumn 2017", D(2017, 9, 1), D(2017, 11, 30)),
    ("fall 2017", D(2017, 9, 1), D(2017, 11, 30)),
    ("AUTUMN 2017", D(2017, 9, 1), D(2017, 11, 30)),
    ("autumn '17", D(2017, 9, 1), D(2017, 11, 30)),
    ("Spring 18", D(2018, 3, 1), D(2018, 5, 31)),
    # winter runs from December of the year named to the end of February after it
    ("winter 2017", D(2017, 12, 1), D(2018, 2, 28)),
    ("winter 2019", D(2019, 12, 1), D(2020, 2, 29)),  # 2020 is a leap year
    ("Winter 2023", D(2023, 12, 1), D(2024, 2, 29)),
    ("winter 2099", D(2099, 12, 1), D(2100, 2, 28)),  # 2100 is not
    # a season of a financial year (April to March)
    ("winter 2017/18", D(2017, 12, 1), D(2018, 2, 28)),
    ("Winter 2017-18", D(2017, 12, 1), D(2018, 2, 28)),
    ("winter 2017 \u2013 18", D(2017, 12, 1), D(2018, 2, 28)),
    ("winter 2019/20", D(2019, 12, 1), D(2020, 2, 29)),
    ("Autumn 2017/2018", D(2017, 9, 1), D(2017, 11, 30)),
    ("summer 2017/18", D(2017, 6, 1), D(2017, 8, 31)),
    ("spring 2017/18", D(2018, 3, 1), D(2018, 5, 31)),  # the spring closing it
    ("Spring 2017-2018", D(2018, 3, 1), D(2018, 5, 31)),
    ("summer 17/18", D(2017, 6, 1), D(2017, 8, 31)),
    ("winter 2099/00", D(2099, 12, 1), D(2100, 2, 28)),
    # early, mid and late in a year: four months each
    ("early 2018", D(2018, 1, 1), D(2018, 4, 30)),
    ("Early 2018", D(2018, 1, 1), D(2018, 4, 30)),
    ("mid 2018", D(2018, 5, 1), D(2018, 8, 31)),
    ("mid-2018", D(2018, 5, 1), D(2018, 8, 31)),
    ("Mid - 2018", D(2018, 5, 1), D(2018, 8, 31)),
    ("middle of 2018", D(2018, 5, 1), D(2018, 8, 31)),
    ("the middle of 2018", D(2018, 5, 1), D(2018, 8, 31)),
    ("late 2018", D(2018, 9, 1), D(2018, 12, 31)),
    # and in a month: the 1st to the 10th, the 11th to the 20th, the 21st to the end
    ("early March 2018", D(2018, 3, 1), D(2018, 3, 10)),
    ("mid March 2018", D(2018, 3, 11), D(2018, 3, 20)),
    ("mid-March 2018", D(2018, 3, 11), D(2018, 3, 20)),
    ("middle of March 2018", D(2018, 3, 11), D(2018, 3, 20)),
    ("late March 2018", D(2018, 3, 21), D(2018, 3, 31)),
    ("late Sept 2018", D(2018, 9, 21), D(2018, 9, 30)),
    ("late Feb 2020", D(2020, 2, 21), D(2020, 2, 29)),
    ("late February 2019", D(2019, 2, 21), D(2019, 2, 28)),
    ("early Jan '19", D(2019, 1, 1), D(2019, 1, 10)),
    # "by" and "end of": the window named, due by its last day
    ("by March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("end-March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("end - March 2018", D(2018, 3, 1), D(2018, 3, 31)),
    ("end of March 2018.", D(2018, 3, 1), D(2018, 3, 31)),
    ("March 2018 end", D(2018, 3, 1), D(2018, 3, 31)),
    ("March 2018-end", D(2018, 3, 1), D(2018, 3, 31)),
    ("by end of 2018", D(2018, 1, 1), D(2018, 12, 31)),
    ("2018 end", D(2018, 1, 1), D(2018, 12, 31)),
    ("end of Q3 2018", D(2018, 7, 1), D(2018, 9, 30)),
    ("by Q3 2018", D(2018, 7, 1), D(2018, 9, 30)),
    ("Q3 2018 end", D(2018, 7, 1), D(2018, 9, 30)),
    ("by autumn 2018", D(2018, 9, 1), D(2018, 11, 30)),
    ("by the end of winter 2017/18", D(2017, 12, 1), D(2018, 2, 28)),
    ("by mid 2018", D(2018, 5, 1), D(2018, 8, 31)),
    ("due by end of late 2018", D(2018, 9, 1), D(2018, 12, 31)),
]


@pytest.mark.parametrize(("text", "start", "end"), NEW_FORMS)
@pytest.mark.parametrize("default_year", [None, 2030])
def test_seasons_parts_of_years_and_by_dates(
    text: str, start: D, end: D, default_year: int | None
) -> None:
    value = parse(text, default_year=default_year)
    assert (value.start, value.end) == (start, end)
    assert value.text == text  # kept as written


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
    ("spring", D(2017, 3, 1), D(2017, 5, 31)),
    ("Summer", D(2017, 6, 1), D(2017, 8, 31)),
    ("autumn", D(2017, 9, 1), D(2017, 11, 30)),
    ("fall", D(2017, 9, 1), D(2017, 11, 30)),
    ("winter", D(2017, 12, 1), D(2018, 2, 28)),
    ("by end of winter", D(2017, 12, 1), D(2018, 2, 28)),
    ("early March", D(2017, 3, 1), D(2017, 3, 10)),
    ("mid-March", D(2017, 3, 11), D(2017, 3, 20)),
    ("late Feb", D(2017, 2, 21), D(2017, 2, 28)),
    ("March end", D(2017, 3, 1), D(2017, 3, 31)),
]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("winter", D(2019, 12, 1), D(2020, 2, 29)),
        ("late Feb", D(2020, 2, 21), D(2020, 2, 29)),
    ],
)
def test_default_year_leap_years(text: str, start: D, end: D) -> None:
    value = parse(text, default_year=2019 if text == "winter" else 2020)
    assert (value.start, value.end) == (start, end)


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
        ("autumn", 'Give a year with the season, for example "autumn 2017".'),
        ("by winter", 'Give a year with the season, for example "autumn 2017".'),
        ("mid March", 'Give a year with the month, for example "mid March 2018".'),
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
        # work with no date at all reads the same way: no window, never late
        ("ongoing", "ongoing"),
        ("Ongoing", "Ongoing"),
        ("on-going", "on-going"),
        ("On going.", "On going."),
        ("business as usual", "business as usual"),
        ("Business As Usual", "Business As Usual"),
        ("BAU", "BAU"),
        ("n/a", "n/a"),
        ("N/A", "N/A"),
        ("Not applicable", "Not applicable"),
        ("continuous", "continuous"),
        ("Continuous", "Continuous"),
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


def _offered(message: str, text: str) -> list[str]:
    """The phrases a refusal suggests, checking the message's shape on the way."""
    head = f'"{text}" is not a date we recognise.'
    assert message.startswith(head)
    assert message.endswith(f" {ACCEPTED_FORMS}")
    middle = message[len(head) : -len(ACCEPTED_FORMS)].strip()
    if not middle:
        return []
    assert re.fullmatch(r'Did you mean "[^"]+"((, "[^"]+")* or "[^"]+")?\?', middle)
    return re.findall(r'"([^"]+)"', middle)


@pytest.mark.parametrize(
    "text",
    ["soon", "17", "31/03", "2018-3", "by", "end of", "end", "2018/2019/2020", "tbx"],
)
def test_unrecognised_text_with_nothing_close(text: str) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    message = str(caught.value)
    assert message == f'"{text}" is not a date we recognise. {ACCEPTED_FORMS}'
    assert "is not a date we recognise" in message
    assert ACCEPTED_FORMS in message


# A refused phrase names the closest phrases that parse, closest first: misspelt
# words corrected, a stray word dropped, two words swapped or joined by "/".
SUGGESTIONS = [
    ("Autum 2017", ["autumn 2017"]),
    ("Sumer 2018", ["summer 2018"]),
    ("wintr 2017/18", ["winter 2017/18"]),
    ("Febuary 2018", ["February 2018"]),
    ("Marchember 2018", ["March 2018"]),
    ("Septembre 2018", ["September 2018"]),
    ("erly 2018", ["early 2018"]),
    ("ealy March 2018", ["early March 2018", "March 2018", "early 2018"]),
    ("ongoign", ["ongoing"]),
    ("bussiness as usual", ["business as usual"]),
    ("quarter one 2018", ["quarter 1 2018"]),
    ("first quarter 2018", ["quarter 1 2018"]),
    # an impossible day in American order: the month, or its last real day
    ("Sept 31 2018", ["Sept 2018", "30 Sept 2018"]),
    ("31 March 2018 10:00", ["31 March 2018"]),
    ("Spring 2018 onwards", ["spring 2018"]),
    ("Q3 4", ["Q3/4", "Q3"]),
    ("2017 2018", ["2017/2018"]),
    # nothing close parses: the forms of the kind of date the words name
    ("Qtr five", ["Q1", "Q4", "Q2/Q3"]),
    ("Q", ["Q1", "Q4", "Q2/Q3"]),
    ("Q4/2017", ["Q4 2017", "Q1 2017", "Q2/Q3 2017"]),
    ("March 2018 and April 2018", ["March 2018", "April 2018"]),
    ("mid-2018ish", ["mid 2018", "late 2018", "early 2018"]),
    # the "by" or "end of" typed is kept
    ("By Novmber 2018", ["by November 2018"]),
    ("end-Marhc 2018", ["end-March 2018"]),
    ("by the end of Sept 31 2018", ["by the end of Sept 2018", "30 Sept 2018"]),
]


@pytest.mark.parametrize(("text", "suggested"), SUGGESTIONS)
def test_refusals_suggest_the_closest_accepted_phrases(
    text: str, suggested: list[str]
) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    offered = _offered(str(caught.value), text)
    assert offered == suggested
    for phrase in offered:
        assert parse(phrase, default_year=2017).text == phrase


def test_a_refusal_reads_as_one_plain_question() -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse("Autum 2017")
    assert str(caught.value) == (
        '"Autum 2017" is not a date we recognise. Did you mean "autumn 2017"? '
        f"{ACCEPTED_FORMS}"
    )
    with pytest.raises(FuzzyDateError) as caught:
        parse("Qtr five", default_year=2017)
    assert 'Did you mean "Q1", "Q4" or "Q2/Q3"? Use a quarter' in str(caught.value)


def test_suggestions_without_a_year_need_the_default_year() -> None:
    # Without a default year "autumn" does not parse, so it is not offered.
    for text in ("Autum", "Qtr five"):
        with pytest.raises(FuzzyDateError) as caught:
            parse(text)
        assert _offered(str(caught.value), text) == []
    with pytest.raises(FuzzyDateError) as caught:
        parse("Autum", default_year=2017)
    assert _offered(str(caught.value), "Autum") == ["autumn"]


# "Before April 2018" means due by 31 March, not some time in April, so it is refused
# with the phrases for the day before instead of being read as April.
@pytest.mark.parametrize(
    ("text", "suggested", "due"),
    [
        (
            "before April 2018",
            ["by end of March 2018", "by 31 March 2018"],
            D(2018, 3, 31),
        ),
        (
            "Before 1 April 2018",
            ["by end of March 2018", "by 31 March 2018"],
            D(2018, 3, 31),
        ),
        ("before Q3 2018", ["by end of June 2018", "by 30 June 2018"], D(2018, 6, 30)),
        (
            "before 2019",
            ["by end of December 2018", "by 31 December 2018"],
            D(2018, 12, 31),
        ),
        (
            "before winter 2017",
            ["by end of November 2017", "by 30 November 2017"],
            D(2017, 11, 30),
        ),
        ("before 15 March 2018", ["by 14 March 2018"], D(2018, 3, 14)),
        ("before mid March 2018", ["by 10 March 2018"], D(2018, 3, 10)),
        (
            "prior to Q1 2018",
            ["by end of December 2017", "by 31 December 2017"],
            D(2017, 12, 31),
        ),
        ("before April", ["by end of March 2017", "by 31 March 2017"], D(2017, 3, 31)),
        ("before soon", [], None),
        ("before TBA", [], None),
        ("before 1 Jan 1900", [], None),
    ],
)
def test_before_is_refused_with_the_day_before(
    text: str, suggested: list[str], due: D | None
) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    offered = _offered(str(caught.value), text)
    assert offered == suggested
    for phrase in offered:
        assert parse(phrase).end == due


# Words that appear in dates, misspelt ones, and odd characters, in any order.
_PIECES = st.sampled_from(
    [
        *("Q1", "Q2/Q3", "qtr", "quarter", "five", "one", "2017", "2018", "17/18"),
        *("'18", "31", "29", "March", "Sept", "Febuary", "Marhc", "autum", "wintr"),
        *("winter", "spring", "early", "mid", "late", "middle", "of", "by", "end"),
        *("before", "ongoign", "TBX", "and", "to", "-", "/", "2017/19", "1899"),
    ]
)
_NOISE = st.text(alphabet="abcdefqrstuvwxyz0123456789/-' ", max_size=8)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    words=st.lists(st.one_of(_PIECES, _NOISE), min_size=1, max_size=5),
    default_year=st.sampled_from([None, 2017]),
)
def test_every_suggestion_offered_parses(
    words: list[str], default_year: int | None
) -> None:
    text = " ".join(" ".join(words).split())
    try:
        parse(text, default_year=default_year)
    except FuzzyDateError as refused:
        message = str(refused)
        if "is not a date we recognise" not in message:
            return  # a named problem (an impossible day, a backwards range)
        offered = _offered(message, text)
        assert len(offered) <= 3
        for phrase in offered:
            parse(phrase, default_year=default_year)  # does not raise


def test_unrecognised_text_is_quoted_as_normalised() -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse("  some \t time ")
    assert str(caught.value).startswith('"some time" is not a date we recognise.')


def test_accepted_forms_is_one_sentence_naming_the_forms() -> None:
    assert ACCEPTED_FORMS.startswith("Use ")
    assert ACCEPTED_FORMS.endswith(".")
    assert ACCEPTED_FORMS.count(". ") == 0
    for example in (
        "Q2/Q3",
        "2017 and 2018",
        "end of March 2018",
        "31/03/2018",
        "TBA",
        "autumn 2017",
        "winter 2017/18",
        "early 2018",
        "mid March 2018",
        "ongoing",
    ):
        assert example in ACCEPTED_FORMS
        parse(example, default_year=2017)  # every example given parses


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
        ("winter 1899", None, 1899),
        ("winter 1899/00", None, 1899),
        ("early 2300", None, 2300),
        ("mid March 1066", None, 1066),
        ("autumn", 1800, 1800),
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
        ("winter 2019", D(2020, 2, 29), False),  # a leap winter's last day
        ("winter 2019", D(2020, 3, 1), True),
        ("winter 2017/18", D(2018, 2, 28), False),
        ("winter 2017/18", D(2018, 3, 1), True),
        ("spring 2017/18", D(2018, 5, 31), False),
        ("autumn 2017", D(2017, 12, 1), True),
        ("mid 2018", D(2018, 8, 31), False),
        ("mid 2018", D(2018, 9, 1), True),
        ("early March 2018", D(2018, 3, 11), True),
        ("late March 2018", D(2018, 3, 31), False),
        ("by the end of March 2018", D(2018, 4, 1), True),
        ("ongoing", D(9999, 12, 31), False),  # no date is never late
        ("business as usual", D(9999, 12, 31), False),
        ("n/a", D(9999, 12, 31), False),
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


def test_new_forms_sort_by_when_they_fall_due_and_no_date_sorts_last() -> None:
    values = [
        parse("ongoing"),
        parse("winter 2017/18"),  # ends 28 Feb 2018
        parse("late 2017"),  # ends 31 Dec 2017, starts 1 Sep
        parse("BAU"),
        parse("autumn 2017"),  # ends 30 Nov 2017
        parse("Q4 2017"),  # ends 31 Dec 2017, starts 1 Oct
        parse("early March 2018"),  # ends 10 Mar 2018
        parse("spring 2017/18"),  # ends 31 May 2018
        parse("TBA"),
    ]
    ordered = [str(value) for value in sorted(values)]
    assert ordered[:6] == [
        "autumn 2017",
        "late 2017",
        "Q4 2017",
        "winter 2017/18",
        "early March 2018",
        "spring 2017/18",
    ]
    assert sorted(ordered[6:]) == ["BAU", "TBA", "ongoing"]
    assert parse("ongoing").sort_key() == parse("TBA").sort_key()


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("winter 2017/19", "winter 2017/18"),
        ("Autumn 2017/2019", "autumn 2017/18"),
        ("spring 2018/17", "spring 2018/19"),
        ("summer 2017-2017", "summer 2017/18"),
        ("winter 2099/01", "winter 2099/00"),
    ],
)
def test_a_split_year_must_be_one_financial_year(text: str, example: str) -> None:
    with pytest.raises(FuzzyDateError) as caught:
        parse(text, default_year=2017)
    assert str(caught.value).startswith(
        f'"{text}" does not name one financial year. Put the year after '
    )
    assert str(caught.value).endswith(f'for example "{example}".')
    parse(example)  # the example given parses


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
