#!/usr/bin/env bash
# `averted calibrate` and `averted backtest` spread over MPI ranks give the
# single-process posterior, printout and scores, byte for byte; a rank started with a
# different command line fails the calibration, naming the model run.
# Args: BINARY SOURCE WORK MPIEXEC.
set -euo pipefail
averted="$1" src="$2" work="$3" mpiexec="$4"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
mpi=("$mpiexec" --allow-run-as-root)
scenario="$src/tests/unit/calibration/small_calibration.yaml"
targets="$src/scenarios/england/targets.yaml"
# 2 generations of 8 model runs at 1% of England (the fixture of calibration_cli.sh).
fit=(calibrate "$scenario" --targets "$targets" --until 2019 --particles 4 --proposals 8 --generations 2 --chance-runs 4 -t 1)

# 1. The posterior file (it records no date, host or command line, so the whole file is
# compared) and the printed summary are identical for 1, 2 and 3 processes; progress
# is still printed by rank 0.
"$averted" "${fit[@]}" -q -o "$work/single.csv" > "$work/single.txt"
"${mpi[@]}" -np 2 "$averted" "${fit[@]}" -o "$work/np2.csv" > "$work/np2.txt" 2> "$work/np2.err"
"${mpi[@]}" --oversubscribe -np 3 "$averted" "${fit[@]}" -q -o "$work/np3.csv" > "$work/np3.txt"
for n in np2 np3; do
  cmp "$work/single.csv" "$work/$n.csv" || fail "the posterior under mpirun ($n) differs from one process's"
  cmp "$work/single.txt" "$work/$n.txt" || fail "the printed summary under mpirun ($n) differs"
  [[ ! -e "$work/$n.csv.checkpoint" ]] || fail "the checkpoint must go once the posterior is written ($n)"
done
grep -q "^generation 2/2: 12/12 model runs" "$work/np2.err" || fail "no progress under mpirun: $(cat "$work/np2.err")"
[[ $(grep -c "^calibrating " "$work/np2.err") == 1 ]] || fail "only rank 0 should print: $(cat "$work/np2.err")"
echo "calibrate: posterior and summary identical for 1, 2 and 3 processes ($(grep -c '^[0-9]' "$work/single.csv") rows)"

# 2. backtest: the fit and the forecast from the posterior (a second kind of model run,
# over every target), each with 2 replicates, under 2 ranks print the same scores and
# write the same files.
bt=(backtest "$scenario" --targets "$targets" --until 2016 --particles 4 --proposals 8 --generations 1 --chance-runs 4
    --forecast-draws 6 --replicates 2 -q -t 1)
"$averted" "${bt[@]}" -o "$work/bt1" > "$work/bt1.txt"
"${mpi[@]}" -np 2 "$averted" "${bt[@]}" -o "$work/bt2" > "$work/bt2.txt"
grep -q "last value" "$work/bt1.txt" || fail "backtest printed no scores: $(cat "$work/bt1.txt")"
cmp "$work/bt1.txt" "$work/bt2.txt" || fail "backtest under mpirun prints different scores"
cmp "$work/bt1.backtest.csv" "$work/bt2.backtest.csv" || fail "backtest under mpirun writes different scores"
cmp "$work/bt1.posterior.csv" "$work/bt2.posterior.csv" || fail "backtest under mpirun fits a different posterior"
grep -q "replicates=2" "$work/bt1.posterior.csv" || fail "the back-test's fit did not use its replicates"
echo "backtest with replicates: scores, forecasts and posterior identical for 1 and 2 processes"

# 3. A rank started with another --until (mpirun's MPMD syntax) has no model for rank
# 0's runs: the calibration fails naming the run and the rank, exit 1, and leaves no
# posterior or checkpoint.
set +e
"${mpi[@]}" -np 1 "$averted" "${fit[@]}" -q -o "$work/bad.csv" : -np 1 "$averted" "${fit[@]/2019/2018}" -q \
  > /dev/null 2> "$work/bad.err"
code=$?
set -e
[[ $code == 1 ]] || fail "a calibration with a mismatched rank exited $code: $(cat "$work/bad.err")"
grep -q "the model run with seed 1, draw [0-7], replicate 1 (.* = .*) failed: rank 1 on .*: this rank has no model for" \
  "$work/bad.err" || fail "the failed run was not named: $(cat "$work/bad.err")"
[[ ! -e "$work/bad.csv" && ! -e "$work/bad.csv.checkpoint" ]] || fail "a failed calibration must write nothing"
echo "a mismatched rank fails the calibration: $(grep -o 'the model run with .*failed' "$work/bad.err" | head -1)"
echo "distributed calibration tests passed"
