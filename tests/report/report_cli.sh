#!/usr/bin/env bash
# `averted report` through the command line. Args: BINARY SOURCE WORK.
# Makes small comparisons (one with a scenario named <script>alert(1)</script>), a copy
# with calibration groups added, and another forecaster's comparison; writes their
# reports and checks them with check_report.py (well-formed, self-contained, escaped,
# every number equal to the results file), and a local area's report (which values are
# the area's own). Then checks that the checker fails on a
# report with a wrong number, and the refusals (a file from `averted run`, a .partial).
source "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
"$averted" compare "$here/other/baseline.yaml" "$here/other/prison75.yaml" \
  -r 3 --from 2026 --to 2030 -q -t 2 --no-csv -o "$work/b.h5" >/dev/null 2>&1

# One forecast.
"$averted" report "$work/a.h5" -o "$work/a.html" 2>/dev/null
charts=(--expect-chart chart-deaths-averted --expect-chart chart-deaths-fan-0 --expect-chart chart-deaths-fan-1
        --expect-chart chart-deaths-fan-2 --expect-chart chart-cause --expect-chart chart-age --expect-chart chart-people)
$py "$here/check_report.py" "$work/a.html" "$work/a.h5" "${charts[@]}" \
  --expect-text "<script>alert(1)</script>" --expect-text "Naloxone <b>scale-up</b> & \"quotes\" 'too'" \
  --expect-text "levers.naloxone.supply_rr" --expect-text "2026-04-01"
grep -q 'id="calibration"' "$work/a.html" && fail "a file without calibration must have no fit section"

# A local area: the report lists Blackpool's own values (with file and line) and England's
# defaults, per scenario; the England report above has no such section.
grep -q 'id="local-area"' "$work/a.html" && fail "an England report must have no local-area section"
"$averted" compare "$src/scenarios/local/blackpool.yaml" "$src/scenarios/local/blackpool_naloxone.yaml" -r 2 \
  --from 2026 --to 2030 -q -t 2 --no-csv -o "$work/local.h5" >/dev/null 2>&1
"$averted" report "$work/local.h5" -o "$work/local.html" 2>/dev/null
$py "$here/check_report.py" "$work/local.html" "$work/local.h5" --expect-text "Local area: Blackpool"
$py - "$work/local.html" "$src/scenarios/local" <<'PY'
import html, re, sys
page, folder = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
line = next(i for i, l in enumerate(open(folder + "/blackpool.yaml"), 1) if l.strip().startswith("opiate_crack_users:"))
section = re.search(r'<h2 id="local-area">.*?(?=<h2 )', page, re.S).group(0)
parts = re.split(r"<h3>", section)[1:]
assert len(parts) == 2, "one part per scenario: both are Blackpool's"
def rows(table):
    return {html.unescape(re.sub("<[^>]+>", "", m.group(1))): html.unescape(re.sub("<[^>]+>", " ", m.group(0)))
            for m in re.finditer(r"<tr><td><code>([^<]+)</code>.*?</tr>", table, re.S)}
for i, part in enumerate(parts):
    own_table, defaults = part.split("<details>")
    own_table, _, chosen_table = own_table.partition("This scenario's choices")
    own, chosen, england = rows(own_table), rows(chosen_table), rows(defaults)
    row = own["local_area.opiate_crack_users"]
    assert " 2052 " in row and f"scenarios/local/blackpool.yaml:{line}" in row, row
    assert "local_area.opiate_crack_users" not in england
    assert "england/baseline.yaml" in england["overdose.fatality"], "a national value is England's"
    assert ("levers.naloxone.supply_rr" in chosen) == (i == 1), "the lever is the naloxone scenario's choice"
    assert not any(p.startswith("levers.") for p in own), "blackpool.yaml sets no lever"
    assert not any(p.startswith(("run.", "scenario.", "output.")) for p in list(own) + list(chosen) + list(england))
    n = int(re.search(r"England.s defaults: the other (\d+) settings", html.unescape(part)).group(1))
    assert n == len(england) and n > 100, (n, len(england))
    assert re.search(rf"The area's own values: {len(own)} setting", part)
print("local-area section: own values with file and line, England's defaults counted and listed")
PY

# A calibrated forecast: fit charts, the fit table, and the primary series on the deaths chart.
"$averted" report "$work/calibrated.h5" -o "$work/calibrated.html" 2>/dev/null
$py "$here/check_report.py" "$work/calibrated.html" "$work/calibrated.h5" "${charts[@]}" \
  --expect-chart chart-fit-0 --expect-chart chart-fit-1 --expect-text "People in OST <i>(NDTMS)</i> & others" \
  --expect-text "test source <b>bold</b>" --expect-text "ABC-SMC"
$py - "$work/calibrated.html" <<'PY'
import re, sys
page = open(sys.argv[1], encoding="utf-8").read()
fan = re.search(r'<figure class="chart" id="chart-deaths-fan-0">.*?</figure>', page, re.S).group(0)
assert fan.count("<circle") == 6, "the 6 observed points of the primary series belong on the deaths chart"
for i in (0, 1):
    fit = re.search(rf'<figure class="chart" id="chart-fit-{i}">.*?</figure>', page, re.S).group(0)
    assert fit.count("<circle") == (6, 4)[i], f"fit chart {i}: one point per observed year"
assert "83.3%" in page and "75.0%" in page, "coverage shown as percentages"
PY

# Two forecasts side by side.
"$averted" report --compare "$work/a.h5" "$work/b.h5" -o "$work/ab.html" 2>/dev/null
$py "$here/check_report.py" "$work/ab.html" "$work/a.h5" "$work/b.h5" --expect-chart chart-side-by-side \
  --expect-text "overdose.fatality" --expect-text "population.new_injectors" \
  --expect-text "only in A: <script>alert(1)</script>" --expect-text "2026-04-01: 0.7}"

# --attribute: B differs from A only in the prison scenario's continuity target and in a
# naloxone setting that does nothing (the lever never starts). Rerunning A with only the
# target as in B must reproduce B's deaths averted exactly, in every pair; the other
# setting must move nothing.
"$averted" compare "$small/small_baseline.yaml" "$here/prison70.yaml" -r 3 --from 2026 --to 2030 -q -t 2 --no-csv \
  -o "$work/p70.h5" >/dev/null 2>&1
"$averted" report --compare "$work/a.h5" "$work/p70.h5" --attribute -t 2 -o "$work/attr.html" 2>/dev/null
$py "$here/check_report.py" "$work/attr.html" "$work/a.h5" "$work/p70.h5" --expect-text "prison.continuity_of_care"
$py - "$work/attr.html" "$work/a.h5" "$work/p70.h5" <<'PY'
import re, sys, h5py, numpy as np
page = open(sys.argv[1], encoding="utf-8").read()
a, b = (h5py.File(p, "r")["summary/deaths_averted_pairs"][()] for p in sys.argv[2:4])
def shown(src):
    return float(re.search(rf'<data value="([^"]+)" data-src="{re.escape(src)}"', page).group(1))
exact = b[1] - a[1]  # per pair: B's prison scenario against A's
assert np.isclose(shown("rerun/prison.continuity_of_care/0/mean"), exact.mean(), rtol=0, atol=1e-9), "not B - A"
assert np.isclose(shown("rerun/prison.continuity_of_care/0/lower_95"), np.quantile(exact, 0.025), atol=1e-9)
assert np.isclose(shown("rerun/prison.continuity_of_care/0/upper_95"), np.quantile(exact, 0.975), atol=1e-9)
for stat in ("mean", "lower_95", "upper_95"):
    assert shown(f"rerun/levers.naloxone.supply_rr/0/{stat}") == 0.0, "an inactive setting moved deaths"
print("attribution: the one real difference reproduces B exactly; the inactive one moves nothing")
PY
[[ -z "$(ls -A "$work" | grep attribution)" ]] || fail "--attribute left its working folder"

# The checker must notice a wrong number (a test that cannot fail proves nothing).
sed '0,/data-src="summary\/deaths_averted\/1\/5\/mean"/s//data-src="summary\/deaths_averted\/2\/5\/mean"/' \
  "$work/a.html" > "$work/wrong.html"
cmp -s "$work/a.html" "$work/wrong.html" && fail "could not plant a wrong number"
if $py "$here/check_report.py" "$work/wrong.html" "$work/a.h5" >/dev/null; then
  fail "check_report.py accepted a number that is not the file's"
fi

# Refusals, each naming the file and what to do; nothing is written.
"$averted" run "$small/small_baseline.yaml" -r 1 -q -t 2 -o "$work/run.h5" 2>/dev/null
if "$averted" report "$work/run.h5" -o "$work/run.html" 2>"$work/run.err"; then fail "a file from averted run was accepted"; fi
grep -q "run.h5: no comparison summaries.*averted compare" "$work/run.err" || fail "unclear refusal: $(cat "$work/run.err")"
[[ ! -e "$work/run.html" && ! -e "$work/run.html.partial" ]] || fail "a refused report left a file"
"$averted" compare "$small/small_baseline.yaml" "$small/small_same.yaml" -r 2 -q -t 2 --no-csv --stop-after 1 \
  -o "$work/stopped.h5" 2>/dev/null
if "$averted" report "$work/stopped.h5.partial" 2>"$work/partial.err"; then fail "a .partial file was accepted"; fi
grep -q "incomplete.*--resume" "$work/partial.err" || fail "unclear refusal of a .partial: $(cat "$work/partial.err")"
if "$averted" report 2>/dev/null; then fail "report without a file must be a command-line error"; fi
echo "report cli tests passed"
