#!/usr/bin/env bash
# The reading examples analysis/deaths_averted.py and analysis/deaths_averted.R on a
# small results file (tests/unit/write_example_results.cpp): both print the same
# numbers, the numbers are the ones the file was made with, and both refuse, with a
# clear message, a file of another layout version and one that is not complete.
#
# Usage: test_readers.sh WRITER PYTHON RSCRIPT SOURCE_DIR WORK_DIR
set -u
writer=$1 py=$2 rscript=$3 src=$4 work=$5
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$writer" "$work/example.h5" || fail "write_example_results"

read_both() {  # $1: name; then reader arguments
  local name=$1; shift
  "$py" "$src/analysis/deaths_averted.py" "$work/example.h5" "$@" >"$work/$name.py.txt" || fail "Python reader ($*)"
  "$rscript" "$src/analysis/deaths_averted.R" "$work/example.h5" "$@" >"$work/$name.r.txt" \
    || fail "R reader ($*); it needs Debian's r-base-core and r-cran-hdf5r (bash setup.sh build installs them)"
}
read_both all
read_both drug --from 2021 --cause drug_poisoning

# Same numbers from both (to 1e-9), and the values the example was generated with:
# drug-poisoning deaths have mean 40 x (1 + 0.1 d) x (1 - 0.15 s) x (1 + 0.05 y) x
# (a + 1) per year y, age band a, draw d, scenario s; "other" has the same without the
# scenario effect. So in 2020 the comparator has 40 x 1.15 x 6 = 276 drug deaths and
# 552 in all (mean over 20 runs; Poisson sd of that mean about 4 and 5: tolerance 15
# and 25), and "naloxone" averts 0.15 x 40 x 1.15 x 6 x (1.05 + 1.1 + 1.15 + 1.2) =
# 186.3 drug deaths over 2021-2024 (pairs are not coupled; sd of the mean about 11:
# tolerance 45).
"$py" - "$work" <<'PY' || fail "readers disagree or are wrong"
import sys
work = sys.argv[1]
def rows(path):
    return [line.strip().replace('"', "").split(",") for line in open(path) if "," in line]
def number(x):
    try:
        return float(x)
    except ValueError:
        return None
for name in ("all", "drug"):
    a, b = rows(f"{work}/{name}.py.txt"), rows(f"{work}/{name}.r.txt")
    assert len(a) == len(b) and len(a) > 8, (name, len(a), len(b))
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if number(x) is None:
                assert x == y, (name, x, y)
            else:
                assert abs(number(x) - number(y)) <= 1e-9 * max(1.0, abs(number(x))), (name, x, y)
def cell(name, first, column):
    for r in rows(f"{work}/{name}.py.txt"):
        if r[0] == first:
            return float(r[column])
    raise KeyError(first)
assert abs(cell("all", "2020", 1) - 552) < 25, cell("all", "2020", 1)
assert abs(cell("drug", "2020", 1) - 276) < 15, cell("drug", "2020", 1)
averted = cell("drug", "naloxone", 2)
assert abs(averted - 186.3) < 45, averted
lower, upper = cell("drug", "naloxone", 3), cell("drug", "naloxone", 4)
assert lower < averted < upper, (lower, averted, upper)
print("readers agree:", averted, [lower, upper])
PY

# A file of an older layout (format_version 0) and an unfinished file: refused by both
# (and by the fuller example, analysis/read_results.py, whose checks the Python one shares).
cp "$work/example.h5" "$work/old.h5"
"$py" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r+'); f.attrs['format_version'] = 0" "$work/old.h5"
"$writer" --no-finalize "$work/unfinished.h5" || fail "write_example_results --no-finalize"
for reader in "$py $src/analysis/deaths_averted.py" "$rscript $src/analysis/deaths_averted.R" \
              "$py $src/analysis/read_results.py"; do
  out=$($reader "$work/old.h5" 2>&1); rc=$?
  echo "$out"
  [[ $rc -eq 1 && "$out" == *"format_version 0"*"reads format_version 1"* ]] || fail "$reader did not refuse the old layout"
  out=$($reader "$work/unfinished.h5.partial" 2>&1); rc=$?
  echo "$out"
  [[ $rc -eq 1 && "$out" == *"not complete"* ]] || fail "$reader did not refuse the unfinished file"
done
echo "PASS"
