"""Loosely written plan dates ("Q2/Q3", "autumn 2017", "TBA") as date windows.

Policing plans give milestone and forecast dates the way people write them in a
spreadsheet, not as calendar dates.  We must keep the wording exactly as the plan
has it, because that is what the plan published and what scrutiny panels quote
back; but we also need something we can sort by and measure lateness against.
So every value is kept twice: the text as written, and the window of days it
stands for (first and last day, both inclusive).

"Not known yet" ("TBA", "TBD", blank) and "has no date" ("ongoing", "business as
usual") are ordinary states of a plan, not mistakes, so they parse to a value with
no window rather than raising.  Everything else that we cannot read raises
FuzzyDateError, whose message is written for the person who typed the date: it
suggests the closest phrases we would accept and lists the forms we accept.

The module is stdlib-only and free of Django so that importers, forms, the API
and tests can all share one definition of what a date may look like.
"""

import calendar
import datetime
import difflib
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = [
    "ACCEPTED_FORMS",
    "UNKNOWN",
    "FuzzyDate",
    "FuzzyDateError",
    "parse",
]

ACCEPTED_FORMS = (
    "Use a quarter (Q1, Q2/Q3, Q4 2017), a season (autumn 2017, winter 2017/18), "
    "a year or part of one (2017, 2017 and 2018, early 2018, mid 2018, late 2018), "
    "a month (March 2018, end of March 2018, mid March 2018, May '18), "
    "a day (31/03/2018, 2018-03-31, 31 March 2018), "
    "TBA/TBD when the date is not known or ongoing when there is none."
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
        # Work with no date at all: never late, like a date not known yet.
        "ongoing",
        "on-going",
        "on going",
        "continuous",
        "business as usual",
        "bau",
        "n/a",
        "not applicable",
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

_DASH = r"(?:\s*[-–]\s*|\s+)"
# "By", "due" and "(the) end (of)" say when something falls due within the window the
# rest names, which the window already expresses: "end-March 2018" is March 2018.
_PREFIX_RE = re.compile(rf"(?:by|due|(?:the\s+)?end(?:[\s-]+of)?){_DASH}")
# "March 2018 end" is the end of March 2018: nothing else can follow the window.
_SUFFIX_RE = re.compile(rf"{_DASH}end\Z")
# "Before April 2018" means by 31 March, not in April: refused, with suggestions.
_BEFORE_RE = re.compile(r"(?:before|prior\s+to)\s+(?P<rest>.+)")
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

# Meteorological seasons, by the month each starts in; winter runs into the next year.
_SEASON_STARTS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_SEASON_RE = re.compile(
    r"(?P<season>spring|summer|autumn|fall|winter)(?:,?\s*(?:"
    # "winter 2017/18": the season within the financial year April 2017 - March 2018.
    r"(?P<first>\d{4}|['’‘]?\d{2})\s*[-–/]\s*(?P<second>\d{4}|\d{2})"
    rf"|{_YEAR}))?"
)
# Early, mid and late thirds of a year (four months each) or of a month (ten days,
# ten days and the rest).  A bare two-digit year is not accepted after "early":
# "early 18" reads as a day as easily as a year.
_PART = rf"(?P<part>early|mid|(?:the\s+)?middle\s+of|late){_DASH}"
_PART_OF_YEAR_RE = re.compile(rf"{_PART}(?P<year>\d{{4}})")
_PART_OF_MONTH_RE = re.compile(rf"{_PART}{_MONTH}\.?(?:,?\s*{_YEAR})?")

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


def _season(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    season = match["season"]
    first_month = _SEASON_STARTS[season]
    if match["first"] is not None:
        first = _year(match["first"], text, None, "")
        second = match["second"]
        if int(second) != (first + 1 if len(second) == 4 else (first + 1) % 100):
            example = f"{season} {first}/{(first + 1) % 100:02d}"
            raise FuzzyDateError(
                f'"{text}" does not name one financial year. Put the year after '
                f'{first} second, for example "{example}".'
            )
        # The financial year runs April to March, so its spring is the one that
        # closes it; its summer, autumn and winter start in the first year.
        year = first + 1 if first_month == 3 else first
    else:
        year = _year(
            match["year"],
            text,
            default_year,
            'Give a year with the season, for example "autumn 2017".',
        )
    # Each season is three months long; winter's last month is in the next year.
    last_year, last_index = divmod(year * 12 + first_month + 1, 12)
    return (
        _month_window(year, first_month)[0],
        _month_window(last_year, last_index + 1)[1],
    )


def _third(part: str) -> int:
    """0, 1 or 2 for early, mid (or middle of) and late."""
    if part == "early":
        return 0
    return 2 if part == "late" else 1


def _part_of_year(match: re.Match[str], text: str, default_year: int | None) -> _Window:
    year = _check_year(int(match["year"]), text)
    first_month = 4 * _third(match["part"]) + 1
    return (
        _month_window(year, first_month)[0],
        _month_window(year, first_month + 3)[1],
    )


def _part_of_month(
    match: re.Match[str], text: str, default_year: int | None
) -> _Window:
    year = _year(
        match["year"],
        text,
        default_year,
        'Give a year with the month, for example "mid March 2018".',
    )
    first, last = _month_window(year, _MONTHS[match["month"]])
    third = _third(match["part"])
    start = first.replace(day=10 * third + 1)
    return start, (last if third == 2 else first.replace(day=10 * third + 10))


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
    (_SEASON_RE, _season),
    (_PART_OF_YEAR_RE, _part_of_year),
    (_PART_OF_MONTH_RE, _part_of_month),
)


def _split(text: str) -> tuple[str, str]:
    """The lower-cased text as its leading "by"/"end of" words and the rest.

    The rest has what does not change the window dropped: those leading words,
    a closing "end", and stops and commas around it.
    """
    lowered = text.lower().strip(" .,")
    start = 0
    while match := _PREFIX_RE.match(lowered, start):
        start = len(lowered) - len(lowered[match.end() :].lstrip(" .,"))
    cleaned = lowered[start:]
    # Only after something: "end" alone is no date.
    if (match := _SUFFIX_RE.search(cleaned)) and match.start() > 0:
        cleaned = cleaned[: match.start()].strip(" .,")
    return lowered[:start], cleaned


def _clean(text: str) -> str:
    """Lower-case the text and drop what does not change the window."""
    return _split(text)[1]


def _read(cleaned: str, written: str, default_year: int | None) -> FuzzyDate | None:
    """The value of cleaned text, or None when it is in no form we accept.

    Raises FuzzyDateError when the text is in an accepted form but names a day,
    quarter or year that cannot be (or needs a year it was not given).
    """
    if cleaned in _UNKNOWN_WORDS:
        return FuzzyDate(written, None, None)
    for pattern, reader in _FORMS:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            start, end = reader(match, written, default_year)
            return FuzzyDate(written, start, end)
    return None


def parse(text: str | None, *, default_year: int | None = None) -> FuzzyDate:
    """Read a plan date as written and return it with its window of days.

    ``text`` is kept with surrounding whitespace removed and inner runs of
    whitespace collapsed to one space; ``None`` is treated as blank.  Blank,
    "TBA", "TBC", "TBD" and similar give a value that is not known, and so do
    words for work that has no date ("ongoing", "business as usual", "n/a").

    ``default_year`` is the year given to a quarter, season, month or day written
    without one (a plan usually means its own first year).  When it is ``None``
    such a date raises FuzzyDateError asking for a year.

    Raises FuzzyDateError, with a message meant for the person who typed the
    date, when the text is not a form we accept (the message then suggests up to
    three close phrases that are), names an impossible day, runs backwards, or is
    longer than 100 characters.
    """
    written = "" if text is None else " ".join(text.split())
    if len(written) > MAX_LENGTH:
        raise FuzzyDateError(f"Keep the date to {MAX_LENGTH} characters or fewer.")
    cleaned = _clean(written)
    value = _read(cleaned, written, default_year)
    if value is None:
        raise FuzzyDateError(_refusal(written, default_year))
    return value


# Suggestions for a refused phrase.  Candidates are built from what was typed: each
# word that is not one we know is swapped for the nearest ones we do (difflib), and
# single words are dropped, swapped with the next or joined to it by "/".  Only
# candidates that parse, with the same default year, are offered, closest first.
# When none do, the forms of the kind of date the words point to are offered
# instead (the quarter forms for "Qtr five").

_MAX_SUGGESTIONS = 3
_MAX_SPELLINGS = 24
_MAX_REARRANGED_WORDS = 8
_QUARTER_WORDS = ("q", "qtr", "quarter")
_PART_WORDS = ("early", "mid", "middle", "late")
_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "first": "1",
    "second": "2",
    "third": "3",
    "fourth": "4",
}
# Words a month, season or part of a year may be typed as the start of
# ("Marchember", "autumnal", "Septembre").
_STEMS = sorted(
    (w for w in (*_MONTHS, *_SEASON_STARTS, *_PART_WORDS) if len(w) >= 3),
    key=len,
    reverse=True,
)
_VOCABULARY = frozenset(
    {
        *_MONTHS,
        *_SEASON_STARTS,
        *_PART_WORDS,
        *_QUARTER_WORDS,
        *(w for phrase in _UNKNOWN_WORDS for w in re.findall(r"[a-z]+", phrase)),
        *("by", "due", "end", "the", "of", "and", "to", "before", "prior"),
        *("st", "nd", "rd", "th"),
    }
)
_UPPER_CASE = frozenset({"tba", "tbc", "tbd", "bau"})
# Years ("2018", "17/18", "'18") and "before": dropping one changes the meaning.
_KEPT_WORD_RE = re.compile(r"\d{4}|\d\s*[-–/]\s*\d|['’‘]\d|before|prior")


@functools.lru_cache(maxsize=1024)
def _alternatives(word: str) -> tuple[str, ...]:
    """The word as typed followed by the known words it may have been meant as."""
    if word in _VOCABULARY or len(word) < 3:
        return (word,)
    if word in _NUMBER_WORDS:
        return (word, _NUMBER_WORDS[word])
    found = difflib.get_close_matches(word, _VOCABULARY, n=3, cutoff=0.7)
    if not found:
        found = [stem for stem in _STEMS if word.startswith(stem)][:1]
    return (word, *found)


def _spellings(cleaned: str) -> list[str]:
    """The text with each unknown word replaced by its alternatives in turn."""
    pieces = re.split(r"([a-z]+)", cleaned)  # words at the odd places
    options = [
        _alternatives(piece) if place % 2 else (piece,)
        for place, piece in enumerate(pieces)
    ]
    return [
        "".join(choice)
        for choice in itertools.islice(itertools.product(*options), _MAX_SPELLINGS)
    ]


def _rearranged(phrase: str) -> Iterator[str]:
    """The phrase as typed, then with one word dropped, swapped or joined by "/"."""
    yield phrase
    words = phrase.split(" ")
    if len(words) > _MAX_REARRANGED_WORDS:
        return
    for place, word in enumerate(words):
        rest = words[:place] + words[place + 1 :]
        # Keep the years written and the words that turn the meaning round; and
        # leave at least one word, so that "Marchember 2018" is not offered "2018".
        kept = " ".join(rest)
        if not _KEPT_WORD_RE.search(word) and re.search("[a-z]", kept):
            yield kept
    for place in range(len(words) - 1):
        first, second = words[place], words[place + 1]
        before, after = words[:place], words[place + 2 :]
        yield " ".join([*before, second, first, *after])
        yield " ".join([*before, f"{first}/{second}", *after])


def _value(phrase: str, default_year: int | None) -> FuzzyDate | None:
    """What parse would make of the phrase, or None where it would refuse it."""
    if not phrase or len(phrase) > MAX_LENGTH:
        return None
    try:
        return _read(_clean(phrase), phrase, default_year)
    except FuzzyDateError:
        return None


def _reads(phrase: str, default_year: int | None) -> bool:
    return _value(phrase, default_year) is not None


def _accepted(phrase: str, default_year: int | None) -> str | None:
    """The phrase, or the nearest real day for "31 September 2018", if it parses."""
    if _reads(phrase, default_year):
        return phrase
    match = _NAMED_DAY_RE.fullmatch(phrase)
    if match is not None and int(match["day"]) > 28:
        for day in range(int(match["day"]) - 1, 27, -1):
            real = re.sub(r"^\d+(?:st|nd|rd|th)?", str(day), phrase)
            if _reads(real, default_year):
                return real
    return None


def _examples(cleaned: str) -> list[str]:
    """Forms of the kinds of date the words of the text point to."""
    words = [
        alternative
        for word in re.findall(r"[a-z]+", cleaned)
        for alternative in _alternatives(word)
    ]
    written = [
        year
        for year in dict.fromkeys(re.findall(r"(?<!\d)\d{4}(?!\d)", cleaned))
        if MIN_YEAR <= int(year) <= MAX_YEAR
    ]
    examples = []
    for year in written or [""]:
        tail = f" {year}" if year else ""
        if any(word in _QUARTER_WORDS for word in words):
            examples += [f"q1{tail}", f"q2/q3{tail}", f"q4{tail}"]
        for word in words:
            if word in _MONTHS:
                examples.append(f"{_MONTH_NAMES[_MONTHS[word] - 1]}{tail}")
            if word in _SEASON_STARTS:
                examples.append(f"{word}{tail}")
                if year:
                    examples.append(f"{word} {year}/{(int(year) + 1) % 100:02d}")
        if year and any(word in _PART_WORDS for word in words):
            examples += [f"early {year}", f"mid {year}", f"late {year}"]
    return examples


def _before(cleaned: str, default_year: int | None) -> list[str] | None:
    """For "before April 2018", the phrases for the day before it; else None."""
    match = _BEFORE_RE.fullmatch(cleaned)
    if match is None:
        return None
    try:
        value = _read(_clean(match["rest"]), match["rest"], default_year)
    except FuzzyDateError:
        return []
    if value is None or value.start is None:
        return []
    day = value.start - datetime.timedelta(days=1)
    month = f"{_MONTH_NAMES[day.month - 1].title()} {day.year}"
    # The whole month when the day before is its last, as well as the day itself.
    whole_month = value.start.day == 1
    suggestions = [f"by end of {month}"] if whole_month else []
    suggestions.append(f"by {day.day} {month}")
    return [phrase for phrase in suggestions if _reads(phrase, default_year)]


def _display(phrase: str) -> str:
    """The phrase as we would write it: "Sept 2018", "Q2/Q3", "TBA"."""

    def word(match: re.Match[str]) -> str:
        text = match[0]
        if text in _MONTHS:
            return text.title()
        if text == "q" or text in _UPPER_CASE:
            return text.upper()
        return text

    return re.sub(r"[a-z]+", word, phrase)


def _suggestions(written: str, default_year: int | None) -> list[str]:
    """Up to three phrases close to the refused text that parse, closest first."""
    prefix, cleaned = _split(written)
    before = _before(cleaned, default_year)
    if before is not None:
        return before
    candidates = dict.fromkeys(
        rearranged
        for spelling in _spellings(cleaned)
        for rearranged in _rearranged(spelling)
    )
    found = [
        accepted
        for candidate in candidates
        if (accepted := _accepted(candidate, default_year)) is not None
    ]
    if not found:
        found = [
            example for example in _examples(cleaned) if _reads(example, default_year)
        ]

    def closeness(phrase: str) -> float:
        return difflib.SequenceMatcher(None, cleaned, phrase).ratio()

    # One phrase for each window ("end-March 2018", not also "end-Mar 2018").
    windows: dict[tuple[datetime.date | None, datetime.date | None], str] = {}
    for phrase in sorted(found, key=lambda phrase: -closeness(phrase)):
        value = _value(phrase, default_year)
        if value is not None:
            windows.setdefault((value.start, value.end), phrase)
    return [
        _display(_with_prefix(prefix, phrase, default_year))
        for phrase in list(windows.values())[:_MAX_SUGGESTIONS]
    ]


def _with_prefix(prefix: str, phrase: str, default_year: int | None) -> str:
    """The phrase after the "by" or "end of" the text began with, where it reads."""
    if "end" in prefix and _NAMED_DAY_RE.fullmatch(phrase):
        return phrase  # not "end of 30 Sept 2018"
    return f"{prefix}{phrase}" if _reads(f"{prefix}{phrase}", default_year) else phrase


def _refusal(written: str, default_year: int | None) -> str:
    message = f'"{written}" is not a date we recognise.'
    quoted = [f'"{phrase}"' for phrase in _suggestions(written, default_year)]
    if quoted:
        listed = (
            quoted[-1]
            if len(quoted) == 1
            else " or ".join([", ".join(quoted[:-1]), quoted[-1]])
        )
        message += f" Did you mean {listed}?"
    return f"{message} {ACCEPTED_FORMS}"
