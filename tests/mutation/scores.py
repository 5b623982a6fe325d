"""The mutation score per module from `mutmut results --all true` (read on stdin), for run_mutmut.sh.

Score = (killed + timeout + caught by the type check) / every mutant that was tried; a mutant no test covers
("no tests") counts against the score, as it is a line no test would notice changing.
"""

from __future__ import annotations

import re
import sys
from collections import Counter

CAUGHT = ("killed", "timeout", "caught by type check")
NOT_TRIED = ("skipped", "not checked")
LINE = re.compile(r"^\s*(?P<name>\S+): (?P<status>.+)$")


def module_of(mutant: str, modules: list[str]) -> str:
    """`analytics.metrics.x_facts__mutmut_3` → `analytics/metrics.py` (the longest module that prefixes it)."""
    dotted = {m.removesuffix(".py").replace("/", "."): m for m in modules}
    found = [d for d in dotted if mutant.startswith(d + ".")]
    return dotted[max(found, key=len)] if found else "other"


def main(args: list[str]) -> int:
    only: set[str] | None = None
    if args[:1] == ["--only"]:  # score only the sampled mutants
        with open(args[1], encoding="utf-8") as names:
            only = {n.strip() for n in names if n.strip()}
        args = args[2:]
    modules = args
    counts: dict[str, Counter[str]] = {m: Counter() for m in modules}
    survivors: dict[str, list[str]] = {m: [] for m in modules}
    for line in sys.stdin:
        match = LINE.match(line)
        if not match or (only is not None and match["name"] not in only):
            continue
        module = module_of(match["name"], modules)
        counts.setdefault(module, Counter())[match["status"]] += 1
        if match["status"] in ("survived", "no tests", "suspicious"):
            survivors.setdefault(module, []).append(f"{match['name']} ({match['status']})")
    total = Counter[str]()
    for module, c in counts.items():
        total.update(c)
        print(_score_line(module, c))
    print(_score_line("all four", total))
    for module, names in survivors.items():
        if names:
            print(f"\nsurvivors in {module} ({len(names)}):")
            print("\n".join(f"  {n}" for n in names))
    return 0


def _score_line(label: str, c: Counter[str]) -> str:
    tried = sum(n for status, n in c.items() if status not in NOT_TRIED)
    caught = sum(c[s] for s in CAUGHT)
    score = f"{100 * caught / tried:5.1f} %" if tried else "    – "
    detail = ", ".join(f"{status} {n}" for status, n in sorted(c.items()))
    return f"{label:32} {score}  ({caught}/{tried}; {detail or 'no mutants'})"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
