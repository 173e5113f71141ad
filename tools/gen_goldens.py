#!/usr/bin/env python3
"""Record the real apache2's answer to every conformance case (tests/conformance/golden.json).

The conformance tests compare heartmonitor with a live apache2 where one is installed (CI
always); elsewhere they compare with these recorded answers. Run after adding or changing
a case, on a machine with Debian's apache2:

    python3 tools/gen_goldens.py            # all cases
    python3 tools/gen_goldens.py NAME ...   # only these (others kept)
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.conformance.cases import CASES  # noqa: E402
from tests.conformance.harness import APACHE2, GOLDEN, load_golden, run_alone  # noqa: E402


def main(names: list[str]) -> int:
    if not os.path.exists(APACHE2):
        print(f"gen_goldens: {APACHE2} is not installed", file=sys.stderr)
        return 1
    unknown = set(names) - {case.name for case in CASES}
    if unknown:
        print(f"gen_goldens: no such case: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1
    chosen = [case for case in CASES if not names or case.name in names]
    golden = load_golden() if names else {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda case: run_alone(case, [APACHE2], "apache2"), chosen)
        for case, result in zip(chosen, results, strict=True):
            golden[case.name] = result.as_tuple()
    known = {case.name for case in CASES}
    ordered = {name: list(golden[name]) for name in sorted(golden) if name in known}
    with open(GOLDEN + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(ordered, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    os.replace(GOLDEN + ".tmp", GOLDEN)
    print(f"gen_goldens: {len(chosen)} cases recorded in {os.path.relpath(GOLDEN)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
