"""Which IP addresses the crawler may connect to: our own copy of the IANA special-purpose registries.

Python's `ipaddress.is_global` was wrong for several ranges before 3.11.10 / 3.12.4 (192.0.0.0/24,
192.88.99.0/24, ...), so the answer here never depends on the Python version: an address is refused when it
falls in any network of the tables below, which follow the IANA IPv4 and IPv6 Special-Purpose Address
Registries (RFC 6890 and its updates) plus multicast and the space IANA has not allocated for unicast.
Where an IPv6 address carries an IPv4 address (IPv4-mapped, 6to4) the embedded address is judged as well;
NAT64, Teredo and the other translation prefixes are refused outright, since they reach an IPv4 network
through a translator we cannot see.

>>> is_forbidden_address(ipaddress.ip_address("192.0.0.192"))
True
>>> is_forbidden_address(ipaddress.ip_address("2002:808:808::1"))
False
>>> is_forbidden_address(ipaddress.ip_address("2002:7f00:1::1"))
True
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# IANA IPv4 Special-Purpose Address Registry, the non-globally-reachable entries, plus multicast.
FORBIDDEN_IPV4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "this network (RFC 791)"),
    ("10.0.0.0/8", "private use (RFC 1918)"),
    ("100.64.0.0/10", "shared address space, carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local, cloud metadata (RFC 3927)"),
    ("172.16.0.0/12", "private use (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890), incl. 192.0.0.192 metadata"),
    ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"),
    ("192.168.0.0/16", "private use (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("255.255.255.255/32", "limited broadcast (RFC 919)"),
)

# IANA IPv6 Special-Purpose Address Registry (non-global entries and translation prefixes), plus multicast.
FORBIDDEN_IPV6: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified (RFC 4291)"),
    ("::1/128", "loopback (RFC 4291)"),
    ("::/96", "IPv4-compatible, deprecated (RFC 4291)"),
    ("::ffff:0:0:0/96", "IPv4-translated (RFC 2765)"),
    ("64:ff9b::/96", "NAT64 well-known prefix (RFC 6052)"),
    ("64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"),
    ("100::/64", "discard-only (RFC 6666)"),
    ("100:0:0:1::/64", "dummy prefix (RFC 9780)"),
    ("2001::/32", "Teredo (RFC 4380)"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("2001:10::/28", "ORCHID, deprecated (RFC 4843)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001::/23", "IETF protocol assignments (RFC 2928)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("5f00::/16", "segment routing SIDs (RFC 9602)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link-local (RFC 4291)"),
    ("fec0::/10", "site-local, deprecated (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
)

_IPV4_NETWORKS = tuple((ipaddress.IPv4Network(net), why) for net, why in FORBIDDEN_IPV4)
_IPV6_NETWORKS = tuple((ipaddress.IPv6Network(net), why) for net, why in FORBIDDEN_IPV6)
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")  # all IANA allocates for global unicast
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")


def forbidden_reason(address: IPAddress) -> str | None:
    """Why `address` may not be fetched (its registry entry), or None for a public unicast address.

    >>> forbidden_reason(ipaddress.ip_address("192.88.99.1"))
    'deprecated 6to4 relay anycast (RFC 7526)'
    >>> forbidden_reason(ipaddress.ip_address("::ffff:10.0.0.1"))
    'IPv4-mapped 10.0.0.1: private use (RFC 1918)'
    >>> forbidden_reason(ipaddress.ip_address("8.8.8.8")) is None
    True
    """
    if isinstance(address, ipaddress.IPv4Address):
        return _ipv4_reason(address)
    if address in _MAPPED:
        embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        reason = _ipv4_reason(embedded)
        return f"IPv4-mapped {embedded}: {reason}" if reason else None
    if address in _SIX_TO_FOUR:
        embedded = ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF)
        reason = _ipv4_reason(embedded)
        return f"6to4 for {embedded}: {reason}" if reason else None
    for network, why in _IPV6_NETWORKS:
        if address in network:
            return why
    if address not in _GLOBAL_UNICAST:
        return "not allocated for global unicast (outside 2000::/3)"
    return None


def _ipv4_reason(address: ipaddress.IPv4Address) -> str | None:
    for network, why in _IPV4_NETWORKS:
        if address in network:
            return why
    return None


def is_forbidden_address(address: IPAddress) -> bool:
    """True when `address` is not a plain public unicast address.

    >>> is_forbidden_address(ipaddress.ip_address("::ffff:127.0.0.1"))
    True
    >>> is_forbidden_address(ipaddress.ip_address("93.184.216.34"))
    False
    """
    return forbidden_reason(address) is not None
