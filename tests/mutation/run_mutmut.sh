#!/usr/bin/env bash
# Mutation testing (issue 14, "Tests that catch wrong numbers"): mutmut 3.8.1 over the four modules whose numbers
# matter, with only the fast non-browser tests that check those numbers. Not part of CI: it takes long.
#
# It runs in a scratch copy of the last commit (MUTMUT_WORK, default /tmp/mutmut-work), so the repository gets
# neither a `mutants/` folder nor a mutmut section in its config: the [mutmut] settings are written to the copy's
# setup.cfg. A commit, not the working tree, so that other people's unfinished edits cannot fail the clean run
# (MUTMUT_FROM=worktree takes the working tree instead). Results are kept between runs; mutmut re-tests only the
# functions that changed.
#
#   pip install mutmut==3.8.1
#   bash tests/mutation/run_mutmut.sh                 # run, then print the score per module
#   MUTMUT_CHILDREN=2 bash tests/mutation/run_mutmut.sh
#   bash tests/mutation/run_mutmut.sh --scores-only   # print the scores of the last run
#   cd /tmp/mutmut-work && mutmut show <mutant name>  # what a surviving mutant changed
#   MUTMUT_SAMPLE=60 bash tests/mutation/run_mutmut.sh  # a seeded sample of 60 mutants per module (much faster)
#
# Environment: MUTMUT_WORK (scratch folder), MUTMUT_CHILDREN (parallel workers, default 1: the machine is shared),
# MUTMUT_TESTS (space-separated test files, default below), MUTMUT_FROM (a commit, default HEAD, or `worktree`),
# MUTMUT_SAMPLE (mutants per module: test a seeded random sample and score only it; empty = all).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${MUTMUT_WORK:-/tmp/mutmut-work}
children=${MUTMUT_CHILDREN:-1}
sample=${MUTMUT_SAMPLE:-}
from=${MUTMUT_FROM:-HEAD}
modules=(analytics/metrics.py analytics/model.py analytics/comparison.py analytics/importing/values.py)
default_tests="tests/test_metrics.py tests/test_metrics_properties.py tests/test_comparison.py tests/test_importing.py
tests/test_model_equivalence.py tests/test_numbers_that_matter.py"
read -r -a tests <<< "$(echo ${MUTMUT_TESTS:-$default_tests})"

scores() {
    local only=()
    [[ -s "$work/sample.txt" && -n "$sample" ]] && only=(--only "$work/sample.txt")
    (cd "$work" && mutmut results --all true) | python "$repo/tests/mutation/scores.py" "${only[@]}" "${modules[@]}"
}

if [[ "${1:-}" == "--scores-only" ]]; then
    scores
    exit 0
fi

command -v mutmut >/dev/null || { echo "mutmut is not installed: pip install mutmut==3.8.1" >&2; exit 2; }

# The copy: analytics, tests and data (tests import data.generate_demo) of the commit, or of the working tree.
mkdir -p "$work"
rm -rf "$work/analytics" "$work/tests" "$work/data"
if [[ "$from" == "worktree" ]]; then
    (cd "$repo" && git ls-files -co --exclude-standard -- analytics tests data pyproject.toml | tar -cf - -T -) \
        | tar -C "$work" -xf -
else
    git -C "$repo" archive "$from" -- analytics tests data pyproject.toml | tar -C "$work" -xf -
fi

present=()
for t in "${tests[@]}"; do
    if [[ -f "$work/$t" ]]; then present+=("$t"); else echo "skipping $t: not in $from" >&2; fi
done

{
    echo "[mutmut]"
    echo "source_paths = analytics"
    echo "only_mutate ="
    printf '    %s\n' "${modules[@]}"
    echo "also_copy ="
    echo "    data"
    echo "pytest_add_cli_args_test_selection ="
    printf '    %s\n' "${present[@]}"
    # A fixed hypothesis seed: a mutant is killed or not by the same examples every time.
    # Generous time: on a shared machine a slow run must not pass for a mutant "killed" by a timeout.
    echo "timeout_constant = 15"
    # Polars is not fork-safe once its thread pool runs: a worker forked from mutmut's own process (which ran the
    # tests to collect stats) can hang forever and be counted a "timeout". Workers come from a clean fork server.
    echo "process_isolation = forkserver"
    echo "forkserver_warmup = import"
    echo "preload_modules_file = $repo/tests/mutation/preload.txt"
    echo "pytest_add_cli_args ="
    echo "    -p"
    echo "    no:cacheprovider"
    echo "    --hypothesis-seed=0"
} > "$work/setup.cfg"

cd "$work"
# mutmut collects test coverage incrementally: for functions added since the last run it would report "no tests".
# When the sources changed, collect it afresh (cached results of unchanged functions are kept).
source_id=$(cd "$repo" && if [[ "$from" == "worktree" ]]; then git ls-files -co --exclude-standard -- analytics \
    | xargs cat | sha1sum; else git rev-parse "$from:analytics"; fi)
if [[ "$(cat .source-id 2>/dev/null)" != "$source_id" ]]; then
    rm -f mutants/mutmut-stats.json
    echo "$source_id" > .source-id
fi
echo "mutating ${modules[*]} in $work with ${#present[@]} test files, $children worker(s)" >&2
export POLARS_MAX_THREADS=1  # one Polars thread per worker: the workers run side by side on a shared machine
names=()
if [[ -n "$sample" ]]; then
    if [[ ! -f mutants/analytics/metrics.py.meta ]]; then  # generate the mutants (and test a handful) first
        nice -n 15 mutmut run --max-children "$children" "analytics.metrics.*__mutmut_1" || true
    fi
    mapfile -t names < <(python "$repo/tests/mutation/sample.py" "$sample" sample.txt "${modules[@]}")
    if [[ ${#names[@]} -eq 0 ]]; then  # `mutmut run` without names would run every mutant
        echo "every sampled mutant is already caught" >&2
        scores
        exit 0
    fi
    echo "trying ${#names[@]} sampled mutants not caught yet" >&2
fi
nice -n 15 mutmut run --max-children "$children" "${names[@]}" || echo "mutmut run ended with status $?" >&2
scores
