"""APR's own %g (apr_gcvt over apr_ecvt), which httpd's status page prints with.

It differs from C's printf: no leading zero before the point (0.125 prints as ".125"),
its own rounding, and E-style only when the exponent is below -4 or the integer part is
more than 4 digits longer than the precision.
"""

from __future__ import annotations

NDIG = 80
FLOAT_DIGITS = 6
_EXACT_WHOLE = float(1 << 40)
_DIGIT = {str(number): number for number in range(10)}


def _ecvt(arg: float, ndigits: int) -> tuple[list[int], int, bool]:
    """apr_cvt(eflag=1): (digits, position of the decimal point, negative)."""
    import math  # here: only status pages format numbers (-t start-up time)

    ndigits = min(ndigits, NDIG - 2)
    negative = arg < 0
    arg = -arg if negative else arg
    arg, whole = math.modf(arg)
    digits: list[int] = []
    r2 = 0
    if 0 < whole < _EXACT_WHOLE:
        # APR's loop below finds the decimal digits of such an integer part exactly
        # (whole / 10 errs by far less than its 0.03 of slack): read them at once.
        digits = [_DIGIT[c] for c in str(int(whole))]
        r2 = len(digits)
    elif whole != 0:
        while len(digits) < NDIG and whole != 0:
            fraction, whole = math.modf(whole / 10)
            digits.insert(0, int((fraction + 0.03) * 10))
            r2 += 1
    elif arg > 0:
        while arg * 10 < 1:
            arg *= 10
            r2 -= 1
    end = ndigits
    if end < 0:
        return [], -ndigits, negative
    decpt = r2
    while len(digits) <= end and len(digits) < NDIG:
        # modf(arg * 10): arg is in [0, 1), so the product's fraction is exact.
        arg *= 10
        digit = int(arg)
        arg -= digit
        digits.append(digit)
    if end >= NDIG:
        return digits[: NDIG - 1], decpt, negative
    digits[end] += 5
    i = end
    while digits[i] > 9:
        digits[i] = 0
        if i > 0:
            i -= 1
            digits[i] += 1
        else:
            digits[i] = 1
            decpt += 1
    return digits[:end], decpt, negative


def format_g(number: float, precision: int = FLOAT_DIGITS) -> str:
    """apr_snprintf's "%g" / "%.<precision>g"."""
    if precision == 0:
        precision = 1
    digits, decpt, negative = _ecvt(number, precision)
    text = "0123456789"
    ndigit = precision
    while ndigit > 1 and ndigit - 1 < len(digits) and digits[ndigit - 1] == 0:
        ndigit -= 1
    digits = digits + [0] * (precision - len(digits))
    out = ["-"] if negative else []
    if (decpt >= 0 and decpt - ndigit > 4) or (decpt < 0 and decpt < -3):
        decpt -= 1
        out.append(text[digits[0]])
        out.append(".")
        out.extend(text[d] for d in digits[1:ndigit])
        out.append("e")
        if decpt < 0:
            decpt = -decpt
            out.append("-")
        else:
            out.append("+")
        if decpt // 100 > 0:
            out.append(text[decpt // 100])
        if decpt // 10 > 0:
            out.append(text[(decpt % 100) // 10])
        out.append(text[decpt % 10])
    else:
        if decpt <= 0:
            if digits[0] != 0:
                out.append(".")
            while decpt < 0:
                decpt += 1
                out.append("0")
        for i in range(1, ndigit + 1):
            out.append(text[digits[i - 1]])
            if i == decpt:
                out.append(".")
        if ndigit < decpt:
            while ndigit < decpt:
                ndigit += 1
                out.append("0")
            out.append(".")
    if out and out[-1] == ".":
        out.pop()
    return "".join(out)
