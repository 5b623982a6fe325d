"""A seeded random sample of the mutants mutmut generated, N per module, for run_mutmut.sh (MUTMUT_SAMPLE=N).

The whole run takes hours on a shared two-core machine; a sample of every module's mutants estimates each score
with a known margin (±2·√(s(1−s)/N)) in a fraction of the time. The same seed gives the same sample, so a run can be
resumed, and after tests are added only the sampled mutants not yet caught are tried again.

Usage (in mutmut's folder): python sample.py N SAMPLE_FILE MODULE... — writes the whole sample to SAMPLE_FILE (what
is scored) and prints the mutants of it still to try (not checked, survived, no tests, suspicious).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

CAUGHT = frozenset({"killed", "timeout", "caught by type check"})


def sample(modules: list[str], per_module: int, seed: int = 14) -> dict[str, int | None]:
    """The sampled mutants with their exit codes so far (None: not tried yet)."""
    chosen: dict[str, int | None] = {}
    for module in modules:
        exit_codes = json.loads((Path("mutants") / f"{module}.meta").read_text())["exit_code_by_key"]
        names = random.Random(f"{seed}:{module}").sample(sorted(exit_codes), min(per_module, len(exit_codes)))
        chosen |= {name: exit_codes[name] for name in names}
    return chosen


if __name__ == "__main__":
    per_module, sample_file, modules = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    chosen = sample(modules, per_module)
    sample_file.write_text("".join(f"{name}\n" for name in chosen))
    print("\n".join(name for name, code in chosen.items() if status_by_exit_code[code] not in CAUGHT))
