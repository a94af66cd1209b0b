"""Sending one webhook over HTTPS to a public address, and nothing else.

The address is resolved at every attempt and every address it resolves to must be on
the public internet (so an endpoint cannot be pointed, now or later by changing its
DNS, at the service's own network). The connection then goes to the address that was
checked, not to a second lookup, with the certificate verified for the host name.
Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings

TIMEOUT_SECONDS = 10
USER_AGENT = "PlanDeliveryTracker-Webhooks/1.0"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The endpoint's address may not be used; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked endpoint: where to connect, and the host name to verify."""

    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt."""

    delivered: bool
    status_code: int | None = None
    error: str = ""


def _kind_of(address: IPAddress) -> str:
    """Why an address is not public, in words."""
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_reserved:
        return "a reserved address"
    return "an address that is not public"


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(cidr, strict=False)
        for cidr in settings.WEBHOOK_ALLOWED_NETWORKS
    ]


def refusal_of(address: IPAddress) -> str:
    """Why this address may not be sent to, or "" if it may."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:  # ::ffff:10.0.0.5 is 10.0.0.5
        address = mapped
    if any(address in network for network in _allowed_networks()):
        return ""
    if address.is_global and not address.is_multicast:
        return ""
    return f"resolves to {_kind_of(address)} {address}"


def check(url: str) -> Target:
    """Resolve the endpoint's host now and check the URL and every address; raise
    ``AddressRefused`` naming the reason."""
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError as error:
        raise AddressRefused(f"is not a valid address ({error})") from error
    if parts.scheme == "http":
        raise AddressRefused("uses http: webhooks are sent over https only")
    if parts.scheme != "https":
        raise AddressRefused("must start with https://")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused("must not carry a user name or password")
    host = parts.hostname
    if not host:
        raise AddressRefused("has no host name")
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"does not resolve ({host})") from error
    addresses: list[str] = []
    for *_, sockaddr in found:
        text = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 zone is not an address
        reason = refusal_of(ipaddress.ip_address(text))
        if reason:
            raise AddressRefused(reason)
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise AddressRefused(f"does not resolve ({host})")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(host=host, port=port, path=path, addresses=tuple(addresses))


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST the body to the endpoint once: checked, resolved and connected to now.

    A 2xx answer is delivered; anything else, including a redirect, is a failure
    whose ``error`` says what happened."""
    try:
        target = check(url)
    except AddressRefused as refused:
        return Outcome(delivered=False, error=f"Not sent: the address {refused}.")
    host_header = target.host if target.port == 443 else f"{target.host}:{target.port}"
    sent_headers = {
        **headers,
        "Host": host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    error = ""
    for address in target.addresses:
        pool = urllib3.HTTPSConnectionPool(
            address,
            port=target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=settings.WEBHOOK_CA_BUNDLE or certifi.where(),
            timeout=urllib3.Timeout(total=TIMEOUT_SECONDS),
            retries=False,
            maxsize=1,
        )
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=sent_headers,
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
            # The answer's body is never read: only its status and Location count.
            status = response.status
            location = response.headers.get("Location", "")
            response.release_conn()
        except urllib3.exceptions.SSLError as failure:
            return Outcome(delivered=False, error=f"TLS failed: {failure}"[:500])
        except urllib3.exceptions.TimeoutError:
            error = f"No answer within {TIMEOUT_SECONDS} seconds."
            continue
        except urllib3.exceptions.HTTPError as failure:
            error = f"Could not connect: {failure}"[:500]
            continue
        finally:
            pool.close()
        return _outcome_of(status, location)
    return Outcome(delivered=False, error=error)


def _outcome_of(status: int, location: str) -> Outcome:
    if 200 <= status < 300:
        return Outcome(delivered=True, status_code=status)
    if 300 <= status < 400:
        return Outcome(
            delivered=False,
            status_code=status,
            error=f"Answered with a redirect to {location or '(nowhere)'}: "
            "redirects are not followed.",
        )
    return Outcome(delivered=False, status_code=status, error=f"Answered {status}.")
