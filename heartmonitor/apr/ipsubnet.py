"""apr_ipsubnet_create / apr_ipsubnet_test, for `Require ip`."""

from __future__ import annotations

import _socket  # socket.py without its enums and selectors: their import costs -t start-up

from ..cstr import atoi, strtol

APR_EBADIP = 20016
APR_EBADMASK = 20017
MESSAGES = {
    APR_EBADIP: "The specified IP address is invalid.",
    APR_EBADMASK: "The specified network mask is invalid.",
}


class SubnetError(ValueError):
    """apr_ipsubnet_create failed; code is APR_EINVAL (None), APR_EBADIP or APR_EBADMASK."""

    def __init__(self, code: int | None) -> None:
        super().__init__(code)
        self.code = code


class Subnet:
    __slots__ = ("family", "sub", "mask")

    def __init__(self, family: int, sub: int, mask: int) -> None:
        self.family = family
        self.sub = sub & mask
        self.mask = mask

    def contains(self, address: str) -> bool:
        """apr_ipsubnet_test: IPv4-mapped IPv6 peers match IPv4 subnets."""
        family = _socket.AF_INET6 if ":" in address else _socket.AF_INET
        packed = _socket.inet_pton(family, address)
        if family == _socket.AF_INET6 and self.family == _socket.AF_INET:
            if packed[:12] != b"\0" * 10 + b"\xff\xff":
                return False
            packed = packed[12:]
            family = _socket.AF_INET
        if family != self.family:
            return False
        return int.from_bytes(packed, "big") & self.mask == self.sub


_DOTTED = frozenset(".0123456789")


def _looks_like_ip(text: str) -> bool:
    if not text:
        return False
    if ":" in text:
        return True
    return _DOTTED.issuperset(text)


def _parse_network(text: str) -> Subnet:
    """The legacy 'a.b.c' form: a network of the octets given."""
    if len(text) >= 16:
        raise SubnetError(APR_EBADIP)
    sub = mask = 0
    shift = 24
    pos = 0
    n = len(text)
    while pos < n:
        start = pos
        while pos < n and text[pos].isdigit() and text[pos].isascii():
            pos += 1
        if pos == start:
            raise SubnetError(APR_EBADIP)
        digits = text[start:pos]
        if pos < n:
            if text[pos] != ".":
                raise SubnetError(APR_EBADIP)
            pos += 1
        if shift < 0:
            raise SubnetError(APR_EBADIP)
        octet = atoi(digits)
        if octet > 255:
            raise SubnetError(APR_EBADIP)
        sub |= octet << shift
        mask |= 0xFF << shift
        shift -= 8
    return Subnet(_socket.AF_INET, sub, mask)


def create(address: str, mask_or_bits: str | None) -> Subnet:
    if not _looks_like_ip(address):
        raise SubnetError(None)
    family = None
    # Only an address with a ':' can be IPv6, and only one without can be IPv4.
    candidate = _socket.AF_INET6 if ":" in address else _socket.AF_INET
    try:
        packed = _socket.inet_pton(candidate, address)
        family = candidate
    except (OSError, ValueError):
        pass
    if family is None:
        if mask_or_bits is not None:
            raise SubnetError(APR_EBADIP)
        return _parse_network(address)
    if family == _socket.AF_INET6 and packed[:12] == b"\0" * 10 + b"\xff\xff":
        raise SubnetError(APR_EBADIP)
    maxbits = 128 if family == _socket.AF_INET6 else 32
    value = int.from_bytes(packed, "big")
    mask = (1 << maxbits) - 1
    if mask_or_bits is not None:
        bits, end, _overflow = strtol(mask_or_bits)
        if end == len(mask_or_bits) and mask_or_bits and 0 < bits <= maxbits:
            mask = ((1 << bits) - 1) << (maxbits - bits)
        elif family == _socket.AF_INET:
            try:
                mask = int.from_bytes(_socket.inet_pton(_socket.AF_INET, mask_or_bits), "big")
            except (OSError, ValueError):  # ValueError: bytes that are not UTF-8
                raise SubnetError(APR_EBADMASK) from None
        else:
            raise SubnetError(APR_EBADMASK)
    return Subnet(family, value, mask)
