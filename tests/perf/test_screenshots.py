"""``make screenshots`` pictures every page: each page of the permission matrix
(tests/permission_matrix.py) has a shot in ``SHOTS`` or a reason in ``SKIPPED``, and
each shot is of an address that exists, as one of the demo's people, in a file of its
own. Data only: no database, no browser."""

from django.urls import reverse

from tests.perf.management.commands.screenshots import (
    PEOPLE,
    README_IMAGES,
    SHOTS,
    SKIPPED,
)
from tests.permission_matrix import API, SITE

#: The API's one page; every other address under /api/ answers JSON.
API_PAGES = {"api-docs"}


def test_every_page_is_pictured_or_left_out_with_a_reason():
    pages = set(SITE) | API_PAGES
    assert API_PAGES <= set(API)
    assert sorted(pages - set(SHOTS) - set(SKIPPED)) == []
    assert sorted(set(SHOTS) & set(SKIPPED)) == []
    assert sorted(set(SHOTS) - pages) == []
    assert sorted(set(SKIPPED) - set(SITE)) == []
    assert all(SKIPPED.values())


def test_each_shot_is_of_an_address_as_a_demo_person_in_a_file_of_its_own():
    files = set()
    for name, shots in SHOTS.items():
        for shot in shots:
            assert shot.person in PEOPLE, (name, shot)
            reverse(name, kwargs=dict.fromkeys(shot.args, 1))  # the pattern's names
            files.add((shot.person, name))
    assert len(files) == sum(map(len, SHOTS.values()))
    assert set(README_IMAGES.values()) <= files
