"""Endpoint addresses production refuses: loopback, private, link-local, cloud metadata and anything else that is
not a public unicast address, so a webhook cannot be turned against the server's own network.

Checked twice: when an endpoint is saved (its host resolved now), and before every attempt, where the address the
request connects to is the one just checked (the request goes to that IP, with the host name in `Host` and in
TLS's server name), so a name that resolves differently later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RESOLVE_TIMEOUT_SECONDS = 5.0
# Instance metadata services (AWS, GCP and Azure share the first; AWS's IPv6 one; ECS task metadata; Alibaba).
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)


class RefusedAddress(Exception):
    """The endpoint's host is, or resolves to, an address production does not send to (the message says why)."""


def refusal(address: IPAddress) -> str | None:
    """Why this address is refused, or None for a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_unspecified or address.is_multicast:
        return "not a public address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "not a public address"
    return None


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the host resolves to (without blocking the event loop)."""
    literal = literal_address(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=RESOLVE_TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError) as error:
        raise RefusedAddress(f"the host {host} cannot be resolved ({error})") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedAddress(f"the host {host} resolves to no address")
    return addresses


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a request goes: the URL to connect to and, when pinned to an address, the names to present."""

    url: str
    host_header: str | None = None
    sni_hostname: str | None = None


def default_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


async def checked_destination(raw_url: str, *, allow_private: bool) -> Destination:
    """The URL itself when private addresses are allowed; else the URL pinned to a checked public address."""
    if allow_private:
        return Destination(raw_url)
    url = httpx.URL(raw_url)
    host = url.host
    addresses = await resolve(host, default_port(url))
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            if literal_address(host) is not None:
                raise RefusedAddress(f"{address} is {reason}")
            raise RefusedAddress(f"the host {host} resolves to {address}, {reason}")
    address = addresses[0]
    if literal_address(host) is not None:
        return Destination(raw_url)
    host_header = host if url.port is None else f"{host}:{url.port}"
    return Destination(
        str(url.copy_with(host=str(address))),
        host_header=host_header,
        sni_hostname=host if url.scheme == "https" else None,
    )
