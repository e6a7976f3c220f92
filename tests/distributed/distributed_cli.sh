#!/usr/bin/env bash
# `averted compare` spread over MPI ranks gives the single-process file, and a failed run
# is named, leaves the .partial, and --resume computes only it.
# Args: BINARY SOURCE WORK LAUNCHER, where LAUNCHER is "single" (one process only) or
# the path of mpiexec (then the same checks run under -np 2 and -np 3).
set -euo pipefail
averted="$1" src="$2" work="$3" launcher="$4"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
files=("$src/tests/unit/uncertainty/small_baseline.yaml" "$src/tests/unit/uncertainty/small_prison75.yaml"
       "$src/tests/unit/uncertainty/small_same.yaml")
# 3 scenarios x 2 draws x 3 replicates = 18 runs of 2% of England over 2020-2030.
args=(--draws 2 --replicates 3 --from 2026 --to 2030 -q -t 1)
mpi=()
if [[ "$launcher" != single ]]; then
  mpi=("$launcher" --allow-run-as-root)
fi

"$averted" compare "${files[@]}" "${args[@]}" -o "$work/single.h5" > "$work/single.txt" 2> "$work/single.err"

# Every dataset of two files must be bit-identical; attributes may differ only where
# they record when and how the file was made (listed, for the record).
same_data() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
assert a.attrs["complete"] == 1 and b.attrs["complete"] == 1
names = []
a.visit(lambda n: names.append(n) if isinstance(a[n], h5py.Dataset) else None)
other = []
b.visit(lambda n: other.append(n) if isinstance(b[n], h5py.Dataset) else None)
assert sorted(names) == sorted(other), f"different datasets: {set(names) ^ set(other)}"
assert any(n.startswith("results/") for n in names)
for n in names:
    x, y = a[n][()], b[n][()]
    if isinstance(x, np.ndarray) and x.dtype.kind in "iuf":  # numbers: every bit
        assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), f"/{n} differs"
    elif isinstance(x, np.ndarray):  # labels (strings)
        assert x.shape == y.shape and x.tolist() == y.tolist(), f"/{n} differs"
    else:
        assert x == y, f"/{n} differs"
# Attributes of every group and dataset, present in either file, that differ.
differ = []
def compare_attrs(name):
    x, y = (a[name] if name else a), (b[name] if name else b)
    if isinstance(x, h5py.Dataset):  # dimension scales: compared by name, not by reference
        scales = lambda d: [[s.name for s in dim.values()] for dim in d.dims]
        if scales(x) != scales(y):
            differ.append(f"/{name} dimension scales")
    for k in sorted((set(x.attrs) | set(y.attrs)) - {"DIMENSION_LIST", "REFERENCE_LIST"}):
        if k not in x.attrs or k not in y.attrs or not np.array_equal(x.attrs[k], y.attrs[k]):
            differ.append(f"/{name}@{k}")
compare_attrs("")
a.visit(compare_attrs)
# When and how the file was made, and on which machine rank 0 ran; a resumed file
# also lists its resumptions.
allowed = {"/@created_utc", "/@command_line", "/@host", "/@resume_history"}
assert set(differ) <= allowed, f"attributes that should not differ: {sorted(set(differ) - allowed)}"
print(f"{len(names)} datasets bit-identical; attributes that differ: {', '.join(sorted(differ)) or 'none'}")
PY
}

# 1. The same comparison over 2 ranks, and over 3 on 2 cores (--oversubscribe).
if ((${#mpi[@]})); then
  for np in 2 3; do
    "${mpi[@]}" --oversubscribe -np "$np" "$averted" compare "${files[@]}" "${args[@]}" -o "$work/np$np.h5" \
      > "$work/np$np.txt" 2> "$work/np$np.err"
    [[ -e "$work/np$np.h5" && ! -e "$work/np$np.h5.partial" ]] || fail "-np $np: no complete file"
    cmp -s "$work/single.txt" "$work/np$np.txt" || fail "-np $np: the printed summary differs"
    for t in deaths deaths_averted life_years_gained deaths_averted_pairs; do
      cmp -s "$work/single.$t.csv" "$work/np$np.$t.csv" || fail "-np $np: CSV $t differs"
    done
    same=$(same_data "$work/single.h5" "$work/np$np.h5")
    echo "-np $np: $same"
  done
fi

# `averted run` too (no summaries: just the runs).
if ((${#mpi[@]})); then
  "$averted" run "${files[@]}" -r 2 -t 1 -q -o "$work/run1.h5"
  "${mpi[@]}" -np 2 "$averted" run "${files[@]}" -r 2 -t 1 -q -o "$work/run2.h5" 2> "$work/run2.err"
  same=$(same_data "$work/run1.h5" "$work/run2.h5")
  echo "run -np 2: $same"
fi

# 2. --until-precision hands runs out one replicate at a time (it decides after each);
# a target it cannot reach runs all 3 replicates: the file of step 1.
if ((${#mpi[@]})); then
  "${mpi[@]}" -np 2 "$averted" compare "${files[@]}" --draws 2 --from 2026 --to 2030 -q -t 1 \
    --until-precision 1e-9 --max-replicates 3 -o "$work/precision.h5" > "$work/precision.txt" 2> "$work/precision.err"
  grep -q "Replicates used: 3" "$work/precision.txt" || fail "--until-precision: $(cat "$work/precision.txt")"
  same=$(same_data "$work/single.h5" "$work/precision.h5")
  echo "-np 2 --until-precision: $same"
fi

# 3. Run (scenario 1, draw 1, replicate 2) fails: it is named, the other 17 runs are
# written, no final file, exit 1; resuming computes that one run only.
run=("$averted" compare "${files[@]}" "${args[@]}" -o "$work/fail.h5")
first=() resume=()
((${#mpi[@]})) && first=("${mpi[@]}" --oversubscribe -np 3) && resume=("${mpi[@]}" --oversubscribe -np 2)
set +e
AVERTED_FAIL_RUN=1,1,2 "${first[@]}" "${run[@]}" > /dev/null 2> "$work/fail.err"
code=$?
set -e
[[ $code -ne 0 ]] || fail "a comparison with a failed run exited 0"
grep -q "run failed (the others go on): scenario 1 'small prison continuity 75%', draw 1, replicate 2: .*injected fault" \
  "$work/fail.err" || fail "the failure was not reported when it happened: $(cat "$work/fail.err")"
grep -q "1 of 18 run(s) failed; the 17 that succeeded are in .*fail.h5.partial" "$work/fail.err" \
  || fail "the missing run was not named at the end: $(cat "$work/fail.err")"
grep -q "again with --resume" "$work/fail.err" || fail "no advice to resume"
[[ -e "$work/fail.h5.partial" && ! -e "$work/fail.h5" ]] || fail "a failed comparison must leave only the .partial"
"${resume[@]}" "${run[@]}" --resume > "$work/resumed.txt" 2> "$work/resumed.err"
grep -q "1 run(s) computed, 17 already in the file" "$work/resumed.err" \
  || fail "resume did not compute exactly the missing run: $(cat "$work/resumed.err")"
cmp -s "$work/single.txt" "$work/resumed.txt" || fail "the summary after resume differs"
same=$(same_data "$work/single.h5" "$work/fail.h5")
echo "failed run then resume: $same"
# 4. A rank that cannot start the job (here: given a file that does not exist, through
# mpirun's MPMD syntax) fails the one run it is handed and gets no more; one process
# resumes that run.
if ((${#mpi[@]})); then
  set +e
  "${mpi[@]}" --oversubscribe -np 2 "${run[@]/fail.h5/broken.h5}" : -np 1 "$averted" compare /nonexistent.yaml \
    > /dev/null 2> "$work/broken.err"
  code=$?
  set -e
  [[ $code -ne 0 ]] || fail "a job with a broken rank exited 0"
  grep -q "1 of 18 run(s) failed.*" "$work/broken.err" && grep -q "rank 2 on .*: this rank could not prepare to compute" \
    "$work/broken.err" || fail "the broken rank was not handled as expected: $(cat "$work/broken.err")"
  "${run[@]/fail.h5/broken.h5}" --resume > /dev/null 2> "$work/broken-resumed.err"
  grep -q "1 run(s) computed, 17 already in the file" "$work/broken-resumed.err" || fail "resume after a broken rank"
  same=$(same_data "$work/single.h5" "$work/broken.h5")
  echo "broken rank then resume: $same"
fi
echo "distributed cli tests passed ($launcher)"
