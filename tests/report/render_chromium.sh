#!/usr/bin/env bash
# `averted report` in a real browser (headless Chromium, Debian package `chromium`):
# every chart drawn, no console message, no resource loaded; PDF output; and the
# message when Chromium is missing. Args: BINARY SOURCE WORK.
source "$(dirname "${BASH_SOURCE[0]}")/fixtures.sh"
chromium="$(command -v chromium || true)"
[[ -n "$chromium" ]] || fail "Chromium is not installed (Debian package chromium; bash setup.sh test installs it)"
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
