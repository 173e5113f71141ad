"""The exact odds of mod_lbmethod_heartbeat's find_best_hb.

find_best_hb adds up `ready` of the usable, fresh members (openslots, an apr_uint32_t),
draws `pick = ap_random_pick(0, openslots)` (inclusive on both ends) and walks the
members in configuration order, keeping the *last* one whose range [c, c + ready]
holds pick. The ranges share their ends, so member j wins every pick from c_j up to
the next member's c (excluded), the last member wins up to openslots, and a member
whose ready is 0 wins the single pick c_j when no later member starts there too.

ap_random_pick draws n uniformly from 16 random bits (max < 16384) or 32 bits and
returns floor((max + 1) * n / 2^bits) (httpd's RAND_RANGE), so pick = k for exactly
ceil((k + 1) * 2^bits / (max + 1)) - ceil(k * 2^bits / (max + 1)) values of n.
"""

from __future__ import annotations

from fractions import Fraction

UINT32 = 1 << 32
SMALL_RANGE = 16384  # below it ap_random_pick draws 16 bits


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def draws(maximum: int) -> int:
    """How many equally likely random numbers ap_random_pick(0, maximum) maps."""
    return 1 << 16 if maximum < SMALL_RANGE else UINT32


def pick_range_odds(low: int, high: int, maximum: int) -> Fraction:
    """P(low <= ap_random_pick(0, maximum) <= high).

    For maximum >= 16384 httpd multiplies in double precision; this is the exact
    rational result, which differs from it by at most a few draws in 2^32.
    """
    if high < low:
        return Fraction(0)
    total = draws(maximum)
    span = maximum + 1
    count = _ceil_div((high + 1) * total, span) - _ceil_div(low * total, span)
    return Fraction(count, total)


def member_odds(readies: list[int]) -> list[Fraction]:
    """The chance of each up server (in configuration order, ready as the balancer
    uses it) to be the candidate; all zero when openslots is 0 (every pick a 503)."""
    openslots = sum(readies) % UINT32
    if openslots == 0:
        return [Fraction(0)] * len(readies)
    if any(ready < 0 for ready in readies):
        return _odds_by_enumeration(readies, openslots)
    starts = []
    c = 0
    for ready in readies:
        starts.append(c)
        c += ready
    odds = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 1 if index + 1 < len(starts) else openslots
        odds.append(pick_range_odds(start, end, openslots))
    return odds


def _odds_by_enumeration(readies: list[int], openslots: int) -> list[Fraction]:
    """A negative ready (atoi of a hand-written file) wraps as apr_uint32_t does; walk
    every pick value, as find_best_hb's loop does (bounded: such files are small)."""
    if openslots > 1 << 20:
        raise ValueError("ready values wrap openslots past 2^20; not computed")
    odds = [Fraction(0)] * len(readies)
    for pick in range(openslots + 1):
        candidate = None
        c = 0
        for index, ready in enumerate(readies):
            if c <= pick <= (c + ready) % UINT32:
                candidate = index
            c = (c + ready) % UINT32
        if candidate is not None:
            odds[candidate] += pick_range_odds(pick, pick, openslots)
    return odds
