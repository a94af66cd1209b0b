"""The interactive API reference at /api/docs/ keeps to the site's Content Security
Policy: nothing inline runs without the response's nonce, and the script that starts
Swagger UI comes from the page's own address. tests/browser/test_api_docs.py opens it
in a browser."""

import re
from html.parser import HTMLParser

import pytest

# The API's throttle counts requests in the database cache.
pytestmark = pytest.mark.django_db


class Elements(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def elements(response):
    parser = Elements()
    parser.feed(response.content.decode())
    return parser.tags


def test_the_api_reference_is_in_british_english_with_a_title(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert ("html", {"lang": "en-GB"}) in elements(response)
    assert "<title>API reference – Plan Delivery Tracker</title>" in html
    # A way back to the service, and to the schema the page is drawn from.
    assert ("a", {"href": "/", "class": "app-api-docs__service"}) in elements(response)
    assert ("a", {"href": "/api/schema/"}) in elements(response)


def test_the_api_reference_runs_nothing_inline_without_the_nonce(client):
    response = client.get("/api/docs/")
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy)
    for tag, attrs in elements(response):
        if (tag == "script" and "src" not in attrs) or tag == "style":
            assert nonce and attrs.get("nonce") == nonce.group(1), (tag, attrs)
        assert "style" not in attrs, (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)


def test_the_api_reference_starts_swagger_ui_from_its_own_address(client):
    response = client.get("/api/docs/")
    scripts = [attrs["src"] for tag, attrs in elements(response) if tag == "script"]
    assert "/api/docs/?script=" in scripts

    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert 'url: "/api/schema/"' in script.content.decode()
