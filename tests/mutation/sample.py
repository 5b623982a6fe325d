"""A seeded random sample of the mutants mutmut generated, N per module, for run_mutmut.sh (MUTMUT_SAMPLE=N).

The whole run takes hours on a shared two-core machine; a sample of every module's mutants estimates each score
with a known margin (±2·√(s(1−s)/N)) in a fraction of the time. The same seed gives the same sample, so a run can be
resumed and a score compared after tests are added.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path


def sample(modules: list[str], per_module: int, seed: int = 14) -> list[str]:
    names: list[str] = []
    for module in modules:
        meta = Path("mutants") / f"{module}.meta"
        keys = sorted(json.loads(meta.read_text())["exit_code_by_key"])
        names += random.Random(f"{seed}:{module}").sample(keys, min(per_module, len(keys)))
    return names


if __name__ == "__main__":
    print("\n".join(sample(sys.argv[2:], int(sys.argv[1]))))
