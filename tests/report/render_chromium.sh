#!/usr/bin/env bash
# `averted report` in a real browser (headless Chromium, Debian package `chromium`):
# every chart drawn, no console message, no resource loaded; PDF output; and the
# message when Chromium is missing. Args: BINARY SOURCE WORK.
set -euo pipefail
averted="$1" src="$2" work="$3"
py=/usr/bin/python3
here="$src/tests/report"
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
chromium="$(command -v chromium || true)"
[[ -n "$chromium" ]] || fail "Chromium is not installed (Debian package chromium; bash setup.sh test installs it)"
small="$src/tests/unit/uncertainty"

"$averted" compare "$small/small_baseline.yaml" "$small/small_prison75.yaml" "$here/script_name.yaml" \
  -r 3 --from 2026 --to 2030 -q -t 2 --no-csv -o "$work/a.h5" >/dev/null
$py "$here/add_calibration.py" "$work/a.h5" "$work/calibrated.h5"
"$averted" report "$work/calibrated.h5" -o "$work/report.html" 2>/dev/null
$py "$here/render_check.py" "$chromium" "$work/report.html" "$work/render" chart-deaths-averted \
  chart-deaths-fan-0 chart-deaths-fan-1 chart-deaths-fan-2 chart-cause chart-age chart-people chart-fit-0 chart-fit-1
"$averted" report --compare "$work/a.h5" "$work/calibrated.h5" -o "$work/compare.html" 2>/dev/null
$py "$here/render_check.py" "$chromium" "$work/compare.html" "$work/render-compare" chart-side-by-side

# Negative control: a page that logs to the console must be caught.
sed 's|</body>|<script>console.error("planted error")</script></body>|' "$work/report.html" > "$work/noisy.html"
$py "$here/render_check.py" "$chromium" "$work/noisy.html" "$work/render-noisy" chart-people --expect-console

# PDF through Chromium.
"$averted" report "$work/calibrated.h5" -o "$work/report.pdf" 2>/dev/null
[[ "$(head -c 5 "$work/report.pdf")" == "%PDF-" ]] || fail "report.pdf is not a PDF"
(( $(stat -c %s "$work/report.pdf") > 20000 )) || fail "report.pdf is suspiciously small"
ls -a "$work" | grep -q '\.tmp$' && fail "the PDF's working folder was left behind"

# Without Chromium: a clear message, and no file.
if AVERTED_CHROMIUM=/nonexistent "$averted" report "$work/calibrated.h5" -o "$work/none.pdf" 2>"$work/none.err"; then
  fail "PDF output without Chromium must fail"
fi
grep -q "needs Chromium.*apt-get install --no-install-recommends chromium" "$work/none.err" || fail "unclear message: $(cat "$work/none.err")"
[[ ! -e "$work/none.pdf" ]] || fail "a PDF was left without Chromium"
echo "report chromium tests passed"
