#!/usr/bin/env bash
# averted compare through the command line: interrupt (--stop-after), resume, and check
# the final file holds exactly the data of an uninterrupted run. Args: BINARY SOURCE WORK.
set -euo pipefail
averted="$1" src="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
files=("$src/tests/unit/uncertainty/small_baseline.yaml" "$src/tests/unit/uncertainty/small_prison75.yaml"
       "$src/tests/unit/uncertainty/small_same.yaml")
args=(--draws 2 --replicates 2 --from 2026 --to 2030 -q -t 2)
"$averted" compare "${files[@]}" "${args[@]}" -o "$work/full.h5" > "$work/full.txt"
"$averted" compare "${files[@]}" "${args[@]}" -o "$work/res.h5" --stop-after 5 2>/dev/null
[[ -e "$work/res.h5.partial" && ! -e "$work/res.h5" ]] || fail "an interrupted comparison must leave only the .partial"
"$averted" compare "${files[@]}" "${args[@]}" -o "$work/res.h5" --resume > "$work/res.txt" 2> "$work/res.err"
grep -q "7 run(s) computed, 5 already in the file" "$work/res.err" || fail "resume recomputed finished runs: $(cat "$work/res.err")"
cmp -s "$work/full.txt" "$work/res.txt" || fail "the printed summaries differ"
for t in deaths deaths_averted life_years_gained deaths_averted_pairs; do
  cmp -s "$work/full.$t.csv" "$work/res.$t.csv" || fail "CSV $t differs after resume"
done
/usr/bin/python3 - "$work/full.h5" "$work/res.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert a.attrs["complete"] == 1 and b.attrs["complete"] == 1
assert "resume_history" in b.attrs and "resume_history" not in a.attrs
for group in ("results", "summary", "runs", "dims", "layout"):
    assert sorted(a[group]) == sorted(b[group]), group
    for name in a[group]:
        x, y = a[group][name][()], b[group][name][()]
        same = np.array_equal(x, y, equal_nan=True) if getattr(x, "dtype", None) is not None and x.dtype.kind == "f" else np.array_equal(x, y)
        assert same, f"/{group}/{name} differs"
same = a["summary/deaths_averted_pairs"][()]
assert np.all(same[2] == 0.0), "a scenario identical to the baseline must avert exactly 0 deaths in every pair"
print("resumed file identical to the uninterrupted one:", ", ".join(sorted(a["summary"])))
PY
echo "compare cli tests passed"
