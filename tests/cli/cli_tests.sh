#!/usr/bin/env bash
# End-to-end checks through the real command line: averted BINARY, SOURCE_DIR, WORK_DIR.
set -euo pipefail
averted="$1" src="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. A broken scenario: every error with file, line and path; exit code 3; nothing written.
set +e
"$averted" run "$src/tests/cli/broken.yaml" -o "$work/broken.h5" 2>"$work/broken.err"
code=$?
set -e
[[ $code -eq 3 ]] || fail "exit code $code for an invalid scenario, expected 3"
grep -q "3 errors in scenario" "$work/broken.err" || fail "error count missing"
grep -q "broken.yaml:6: overdose.fatalty: unknown setting 'fatalty'; did you mean 'overdose.fatality'?" "$work/broken.err" || fail "typo not reported"
grep -q "broken.yaml:8: run.end_year: got '1850'" "$work/broken.err" || fail "range not reported"
grep -q "broken.yaml:10: prison.continuity_of_care: got '75%'" "$work/broken.err" || fail "percent not reported"
[[ -z "$(ls -A "$work" | grep -v broken.err)" ]] || fail "an invalid scenario left files behind: $(ls "$work")"
"$averted" validate "$src/tests/cli/broken.yaml" 2>/dev/null && fail "validate accepted a broken file"
# A bad command line (here a file that does not exist) exits 2, as docs/cli.md says.
set +e
"$averted" run "$work/no-such-file.yaml" 2>/dev/null
code=$?
set -e
[[ $code -eq 2 ]] || fail "exit code $code for a missing scenario file, expected 2"

# 2. A run writes a complete file that h5py opens, identical for 1 and 2 threads.
scenario="$src/scenarios/testing/constant_rates.yaml"
"$averted" run "$scenario" -o "$work/one.h5" -t 1 -q
"$averted" run "$scenario" -o "$work/two.h5" -t 2 -q
[[ ! -e "$work/one.h5.partial" ]] || fail "partial file left behind"
/usr/bin/python3 "$src/analysis/read_results.py" "$work/one.h5" >/dev/null
/usr/bin/python3 - "$work/one.h5" "$work/two.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert a.attrs["complete"] == 1 and b.attrs["complete"] == 1
for name in a["results"]:
    assert np.array_equal(a["results"][name][()], b["results"][name][()]), name
assert a["provenance/scenarios/0/hash"][()] == b["provenance/scenarios/0/hash"][()]
print("identical for 1 and 2 threads:", ", ".join(a["results"]))
PY

# 3. --dry-run prints the order of work and writes nothing.
"$averted" run "$scenario" -o "$work/dry.h5" --dry-run | grep -q "each step:" || fail "no step plan"
[[ ! -e "$work/dry.h5" ]] || fail "--dry-run wrote a file"
# 4. A local area: the report says which values are the area's own and which England's.
"$averted" compare "$src/scenarios/local/blackpool.yaml" "$src/scenarios/local/blackpool_naloxone.yaml" -r 2 \
    -o "$work/local.h5" -q >"$work/local.out" 2>/dev/null
grep -q "^Local area: Blackpool" "$work/local.out" || fail "no local-area block in the report"
grep -q "local_area.opiate_crack_users = 2052  (.*scenarios/local/blackpool.yaml:21)" "$work/local.out" \
    || fail "the area's own value and where it was set are not listed"
# A lever set in a scenario extending the area's file is that scenario's choice, not the area's own value.
"$averted" run "$src/scenarios/local/blackpool_naloxone.yaml" --dry-run -o "$work/dry.h5" >"$work/lever.out"
sed -n "/the area's own values/,/this scenario's choices/p" "$work/lever.out" | grep -q "levers\." \
    && fail "a lever is listed among the area's own values"
sed -n "/this scenario's choices, beyond the area's own file (3)/,/England's defaults/p" "$work/lever.out" \
    | grep -q "^    levers.naloxone.supply_rr = 3  (.*scenarios/local/blackpool_naloxone.yaml:12)" \
    || fail "the naloxone scenario's lever is not listed as its choice"
grep -q "^    levers.naloxone.start = 2026-04-01  (" "$work/lever.out" || fail "a date is not shown as a date"
grep -q "England's defaults: the other [0-9]* settings (from .*scenarios/england/baseline.yaml)" "$work/local.out" \
    || fail "England's defaults are not reported"
echo "cli tests passed"
