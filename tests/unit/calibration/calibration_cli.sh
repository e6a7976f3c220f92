#!/usr/bin/env bash
# Calibration through the command line. Args: BINARY SOURCE WORK.
#  - calibrate, interrupted after one generation and resumed, writes the same posterior
#    as an uninterrupted calibration;
#  - run and compare with --posterior write /observed and /calibration (checked with h5py),
#    the same after an interrupted and resumed comparison;
#  - a truncated, edited or mismatched posterior and a bad targets file are refused with
#    a clear message and exit code;
#  - backtest writes its scores, and with --replicates says so in its posterior.
set -euo pipefail
averted="$1" src="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
scenario="$src/tests/unit/calibration/small_calibration.yaml"
lever="$src/tests/unit/calibration/small_lever.yaml"
targets="$src/scenarios/england/targets.yaml"
fit=(--targets "$targets" --until 2019 --particles 4 --proposals 8 --generations 2 --chance-runs 4 -q -t 2)

"$averted" calibrate "$scenario" "${fit[@]}" -o "$work/full.csv" > "$work/full.txt"
"$averted" calibrate "$scenario" "${fit[@]}" -o "$work/res.csv" --stop-after 1 2> "$work/stop.err"
[[ -e "$work/res.csv.checkpoint" && ! -e "$work/res.csv" ]] || fail "an interrupted calibration must leave only its checkpoint"
"$averted" calibrate "$scenario" "${fit[@]}" -o "$work/res.csv" --resume > "$work/res.txt"
[[ ! -e "$work/res.csv.checkpoint" ]] || fail "the checkpoint must go once the posterior is written"
diff <(grep -v '^# targets\|^# scenario:' "$work/full.csv") <(grep -v '^# targets\|^# scenario:' "$work/res.csv") \
  || fail "the resumed posterior differs from the uninterrupted one"
cmp -s "$work/full.txt" "$work/res.txt" || fail "the printed summaries differ"

"$averted" run "$scenario" --posterior "$work/full.csv" -o "$work/run.h5" -q -t 2 > "$work/run.txt"
grep -q "drug_deaths_england \*" "$work/run.txt" || fail "run --posterior must print the fit: $(cat "$work/run.txt")"
"$averted" compare "$scenario" "$lever" --posterior "$work/full.csv" --draws 3 -r 1 -o "$work/cmp.h5" -q -t 2 --no-csv > /dev/null
"$averted" compare "$scenario" "$lever" --posterior "$work/full.csv" --draws 3 -r 1 -o "$work/cmpr.h5" -q -t 2 --no-csv \
  --stop-after 2 2> /dev/null
"$averted" compare "$scenario" "$lever" --posterior "$work/full.csv" --draws 3 -r 1 -o "$work/cmpr.h5" -q -t 2 --no-csv \
  --resume > /dev/null
/usr/bin/python3 - "$work/cmp.h5" "$work/cmpr.h5" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for s in a["observed"]:
    assert np.array_equal(a["observed"][s]["model_quantiles"][()], b["observed"][s]["model_quantiles"][()], equal_nan=True), s
for d in ("mape", "coverage95", "n_years"):
    assert np.array_equal(a["calibration"][d][()], b["calibration"][d][()], equal_nan=True), d
print("a resumed comparison writes the same observed groups")
PY
/usr/bin/python3 - "$work/run.h5" "$work/cmp.h5" "$work/full.csv" <<'PY'
import sys, h5py, numpy as np
run, cmp, post = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), sys.argv[3]
rows = sum(1 for line in open(post) if line[0].isdigit())
assert run["runs/done"].shape == (1, rows, 1), run["runs/done"].shape
for f, scenarios in ((run, 1), (cmp, 2)):
    assert f.attrs["complete"] == 1
    g = f["observed/drug_deaths_england"]
    assert g.attrs["primary"] == 1 and "registration delay" in g.attrs["mapping"], dict(g.attrs)
    n = g["year"].shape[0]
    assert g["year"][0] == 1993 and n == 31
    q = g["model_quantiles"][()]
    assert q.shape == (scenarios, 5, n), q.shape
    assert np.all(np.diff(q, axis=1) >= 0), "quantiles must be ordered"
    assert np.all(g["lower"][()] < g["value"][()]) and np.all(g["value"][()] < g["upper"][()])
    c = f["calibration"]
    assert c.attrs["until_year"] == 2019 and c.attrs["posterior"] == "full.csv" and len(c.attrs["posterior_hash"]) == 40
    series = [s.decode() for s in c["series"][()]]
    assert series[0] == "drug_deaths_england" and c["n_years"][0] == 27, (series, c["n_years"][()])
    assert 0 <= c["coverage95"][0] <= 1 and c["mape"][0] > 0
    # The fit statistics use only the fitted years (up to 2019).
    k = g["year"][()] <= 2019
    med = q[0, 2, k]
    mape = 100 * np.mean(np.abs(med - g["value"][()][k]) / g["value"][()][k])
    assert abs(mape - c["mape"][0]) < 1e-9, (mape, c["mape"][0])
print("observed groups written and consistent")
PY

refused() {  # refused EXPECTED-MESSAGE EXPECTED-CODE command...
  local want="$1" code="$2"; shift 2
  set +e; "$@" > "$work/out.txt" 2> "$work/err.txt"; local got=$?; set -e
  [[ $got == "$code" ]] || fail "exit code $got (expected $code) for: $*; $(cat "$work/err.txt")"
  grep -qF -- "$want" "$work/err.txt" || fail "message '$want' missing: $(cat "$work/err.txt")"
}
head -n -1 "$work/full.csv" > "$work/cut.csv"
refused "has no end line (it was cut short)" 1 "$averted" run "$scenario" --posterior "$work/cut.csv" -o "$work/x.h5" -q
sed '0,/^0,\|^1,/{s/^\(1,[^,]*,[^,]*,\)[0-9.]*/\10.5/}' "$work/full.csv" > "$work/edited.csv"
refused "(truncated or edited)" 1 "$averted" run "$scenario" --posterior "$work/edited.csv" -o "$work/x.h5" -q
sed 's/pathway.ost_dropout_rate/pathway.no_such_rate/' "$work/full.csv" > "$work/renamed.csv"
refused "(truncated or edited)" 1 "$averted" run "$scenario" --posterior "$work/renamed.csv" -o "$work/x.h5" -q
[[ ! -e "$work/x.h5" && ! -e "$work/x.h5.partial" ]] || fail "a refused posterior must leave no results file"
sed 's/    unit: "deaths"/    units: "deaths"/' "$targets" > "$work/bad_targets.yaml"
refused "bad_targets.yaml:7: targets[0].units: unknown key 'units'; did you mean 'unit'?" 3 \
  "$averted" calibrate "$scenario" --targets "$work/bad_targets.yaml" -q

"$averted" backtest "$scenario" --targets "$targets" --until 2016 --particles 4 --proposals 8 --generations 1 --chance-runs 4 -q -t 2 \
  -o "$work/bt" > "$work/bt.txt"
grep -q "last value" "$work/bt.txt" && [[ -s "$work/bt.backtest.csv" && -s "$work/bt.posterior.csv" ]] \
  || fail "backtest must print its table and write its files: $(cat "$work/bt.txt")"
grep -q "^drug_deaths_england,2017," "$work/bt.backtest.csv" || fail "the back-test must score 2017 onwards"
"$averted" backtest "$scenario" --targets "$targets" --until 2016 --particles 4 --proposals 8 --generations 1 --chance-runs 4 -q -t 2 \
  --replicates 2 -o "$work/bt2" > "$work/bt2.txt"
grep -q "^# settings: particles=4 proposals=8 generations=1 seed=1 replicates=2 chance_runs=4$" "$work/bt2.posterior.csv" &&
  grep -q "each scored by the mean of 2 model runs" "$work/bt2.posterior.csv" \
  || fail "a fit with replicates must say so in its posterior: $(head -3 "$work/bt2.posterior.csv")"
! cmp -s "$work/bt.backtest.csv" "$work/bt2.backtest.csv" || fail "replicates must change the back-test's runs"
# Too many forecast runs for one batch's keys: refused before the fit, so no posterior.
refused "= 80000 model runs; expected fewer than 65536" 1 "$averted" backtest "$scenario" --targets "$targets" \
  --until 2016 --particles 4 --proposals 8 --generations 1 -q --forecast-draws 40000 --replicates 2 -o "$work/bt3"
[[ ! -e "$work/bt3.posterior.csv" ]] || fail "a back-test refused for its forecast must not fit first"
echo "calibration cli tests passed"
