"""Loosely written plan dates ("Q2/Q3", "TBA", "end of March 2018") as date windows.

Policing plans give milestone and forecast dates the way people write them in a
spreadsheet, not as calendar dates.  We must keep the wording exactly as the plan
has it, because that is what the plan published and what scrutiny panels quote
back; but we also need something we can sort by and measure lateness against.
So every value is kept twice: the text as written, and the window of days it
stands for (first and last day, both inclusive).

"Not known yet" ("TBA", "TBD", blank) is an ordinary state of a plan, not a
mistake, so it parses to a value with no window rather than raising.  Everything
else that we cannot read raises FuzzyDateError, whose message is written for the
person who typed the date and tells them which forms we accept.

The module is stdlib-only and free of Django so that importers, forms, the API
and tests can all share one definition of what a date may look like.
"""

import calendar
import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ACCEPTED_FORMS",
    "UNKNOWN",
    "FuzzyDate",
    "FuzzyDateError",
    "parse",
]

ACCEPTED_FORMS = (
    "Use a quarter (Q1, Q2/Q3, Q3 Q4, Q4 2017), a year (2017, 2017 and 2018), "
    "a month (March 2018, end of March 2018, May '18), "
    "a day (31/03/2018, 2018-03-31, 31 March 2018) "
    "or TBA/TBD when the date is not known."
)

MAX_LENGTH = 100
MIN_YEAR = 1900
MAX_YEAR = 2199


class FuzzyDateError(ValueError):
    """A date the user typed that we cannot read; ``str(err)`` is shown to them."""


@functools.total_ordering
@dataclass(frozen=True, order=False)
class FuzzyDate:
    """A date as the plan wrote it, with the window of days it stands for.

    ``start`` and ``end`` are both inclusive and are both ``None`` exactly when
    the date is not known yet.
    """

    text: str
    start: datetime.date | None
    end: datetime.date | None

    def __post_init__(self) -> None:
        # A half-known window would make sorting and lateness ambiguous, so
        # refuse to build one rather than guess what the caller meant.
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end must both be set or both be None")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError("start must not be after end")

    @property
    def is_known(self) -> bool:
        """Whether the date has a window (it is not TBA, TBD or blank)."""
        return self.start is not None

    def is_late(self, as_of: datetime.date) -> bool:
        """Whether the whole window lies before ``as_of``.

        Something due "in March" is not late until March is over, and a date
        that is not known yet is never late: there is nothing to be late against.
        """
        return self.end is not None and self.end < as_of

    def sort_key(self) -> tuple[int, datetime.date, datetime.date]:
        """Key that orders by last day, then first day, with unknown dates last.

        Ordering by the end first puts "Q1" before "Q1/Q2" and the single day
        31/03/2018 level with "March 2018", matching when each falls due.
        """
        if self.start is None or self.end is None:
            return (1, datetime.date.max, datetime.date.max)
        return (0, self.end, self.start)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FuzzyDate):
            return NotImplemented
        # The text breaks ties so that the ordering agrees with the dataclass
        # __eq__ (which compares the text too); otherwise total_ordering would
        # derive a > b and b > a for two spellings of the same window.
        return (self.sort_key(), self.text) < (other.sort_key(), other.text)

    def __str__(self) -> str:
        if not self.text and not self.is_known:
            return "TBA"
        return self.text


UNKNOWN = FuzzyDate("", None, None)

_UNKNOWN_WORDS = frozenset(
    {
        "",
        "tba",
        "tbc",
        "tbd",
        "to be agreed",
        "to be confirmed",
        "to be determined",
        "not known",
    }
)

# Spelled out rather than taken from calendar.month_name, which follows the
# process locale and would stop reading English plans under another one.
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTHS: dict[str, int] = {
    spelling: number
    for number, name in enumerate(_MONTH_NAMES, start=1)
    for spelling in (name, name[:3])
}
# "Sept" is the usual British abbreviation besides "Sep".
_MONTHS["sept"] = 9

# Longest names first so that "march" is tried before "mar".
_MONTH = "(?P<month>{})".format("|".join(sorted(_MONTHS, key=len, reverse=True)))
# Word processors turn a typed apostrophe into a curly one, so accept both.
_YEAR = r"(?P<year>\d{4}|['’‘]?\d{2})"
_SEP = r"\s*(?:[-–/&]|\bto\b|\band\b)\s*"
_QUARTER = r"(?:quarter|qtr|q)\s*\d"

_PREFIX_RE = re.compile(r"(?:by|due|the end of|end of|end)\s+")
_QUARTERS_RE = re.compile(
    rf"(?P<quarters>{_QUARTER}(?:{_SEP}(?:quarter|qtr|q)?\s*\d|\s+{_QUARTER})*)"
    rf"(?:\s+{_YEAR})?"
)
_YEARS_RE = re.compile(rf"(?P<first>\d{{4}})(?:{_SEP}(?P<last>\d{{4}}|\d{{2}}))?")
_MONTH_RE = re.compile(rf"{_MONTH}\.?(?:,?\s*{_YEAR})?")
_UK_DAY_RE = re.compile(
    r"(?P<day>\d{1,2})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
)
_ISO_DAY_RE = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})"
)
_NAMED_DAY_RE = re.compile(
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}\.?(?:,?\s*{_YEAR})?"
)

_Window = tuple[datetime.date, datetime.date]


def _check_year(year: int, text: str) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FuzzyDateError(
            f'"{text}" has the year {year}; use a year from {MIN_YEAR} to {MAX_YEAR}.'
        )
    return year


def _year(token: str | None, text: str, default_year: int | None, example: str) -> int:
    """Read a written year, falling back to the default when none was given."""
    if token is None:
        if default_year is None:
            raise FuzzyDateError(f'"{text}" needs a year. {example}')
        return _check_year(default_year, text)
    digits = token.lstrip("'’‘")
    # Plans in scope start in the 2000s, so "'18" can only mean 2018.
    if len(digits) == 2:
        return 2000 + int(digits)
    return _check_year(int(digits), text)


def _month_window(year: int, month: int) -> _Window:
    last_day = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last_day)


def _day(year: int, month: int, day: int, text: str) -> _Window:
    if not 1 <= month <= 12:
        raise FuzzyDateError(f'"{text}" is not a real day: there is no month {month}.')
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise FuzzyDateError(
            f'"{text}" is not a real day: {_MONTH_NAMES[month - 1].title()} {year} '
            f"has {days_in_month} days."
        )
    when = datetime.date(year, month, day)
    return when, when


def _quarters(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    numbers = [int(digit) for digit in re.findall(r"\d", match["quarters"])]
    for number in numbers:
        if not 1 <= number <= 4:
            raise FuzzyDateError(
                f'"{text}" names quarter {number}; quarters run from Q1 to Q4.'
            )
    # "Q4 Q3" lists the dates of a row's bundled parts, so any order is fine and the
    # window spans them all; "Q4/Q1" or "Q4 to Q1" is a range and must run forwards.
    is_range = re.search(r"[-–/&]|\bto\b|\band\b", match["quarters"]) is not None
    if is_range and numbers != sorted(numbers):
        raise FuzzyDateError(
            f'"{text}" ends before it starts. Put the earlier quarter first, '
            'for example "Q2/Q3".'
        )
    year = _year(
        match["year"],
        text,
        default_year,
        'Give a year with the quarter, for example "Q2 2017".',
    )
    first_month = 3 * min(numbers) - 2
    last_month = 3 * max(numbers)
    return _month_window(year, first_month)[0], _month_window(year, last_month)[1]


def _years(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    first = _check_year(int(match["first"]), text)
    last = first
    if match["last"] is not None:
        written = match["last"]
        # "2017/18" and "2017-18" shorten the second year within the same century.
        if len(written) == 2:
            last = first // 100 * 100 + int(written)
        else:
            last = _check_year(int(written), text)
    if last < first:
        raise FuzzyDateError(
            f'"{text}" ends before it starts. Put the earlier year first, '
            'for example "2017 and 2018".'
        )
    return datetime.date(first, 1, 1), datetime.date(last, 12, 31)


def _month(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    year = _year(
        match["year"],
        text,
        default_year,
        'Give a year with the month, for example "March 2018".',
    )
    return _month_window(year, _MONTHS[match["month"]])


def _numeric_day(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    # Both numeric patterns require a year, so the missing-year hint is never used.
    year = _year(match["year"], text, default_year, "")
    return _day(year, int(match["month"]), int(match["day"]), text)


def _named_day(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    year = _year(
        match["year"],
        text,
        default_year,
        'Give a year with the day, for example "31 March 2018".',
    )
    return _day(year, _MONTHS[match["month"]], int(match["day"]), text)


# Each form is matched against the whole cleaned text, so the order only matters
# for readability; the patterns do not overlap.
_FORMS: tuple[
    tuple[re.Pattern[str], Callable[[re.Match[str], str, int | None], _Window]], ...
] = (
    (_QUARTERS_RE, _quarters),
    (_YEARS_RE, _years),
    (_MONTH_RE, _month),
    (_ISO_DAY_RE, _numeric_day),
    (_UK_DAY_RE, _numeric_day),
    (_NAMED_DAY_RE, _named_day),
)


def _clean(text: str) -> str:
    """Lower-case the text and drop what does not change the window."""
    cleaned = text.lower().strip(" .,")
    # "by", "due" and "(the) end of" say when something falls due within the window
    # the rest names, which the window already expresses.
    while match := _PREFIX_RE.match(cleaned):
        cleaned = cleaned[match.end() :].strip(" .,")
    return cleaned


def parse(text: str | None, *, default_year: int | None = None) -> FuzzyDate:
    """Read a plan date as written and return it with its window of days.

    ``text`` is kept with surrounding whitespace removed and inner runs of
    whitespace collapsed to one space; ``None`` is treated as blank.  Blank,
    "TBA", "TBC", "TBD" and similar give a value that is not known.

    ``default_year`` is the year given to a quarter, month or day written without
    one (a plan usually means its own first year).  When it is ``None`` such a
    date raises FuzzyDateError asking for a year.

    Raises FuzzyDateError, with a message meant for the person who typed the
    date, when the text is not a form we accept, names an impossible day, runs
    backwards, or is longer than 100 characters.
    """
    written = "" if text is None else " ".join(text.split())
    if len(written) > MAX_LENGTH:
        raise FuzzyDateError(f"Keep the date to {MAX_LENGTH} characters or fewer.")
    cleaned = _clean(written)
    if cleaned in _UNKNOWN_WORDS:
        return FuzzyDate(written, None, None)
    for pattern, reader in _FORMS:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            start, end = reader(match, written, default_year)
            return FuzzyDate(written, start, end)
    raise FuzzyDateError(f'"{written}" is not a date we recognise. {ACCEPTED_FORMS}')
