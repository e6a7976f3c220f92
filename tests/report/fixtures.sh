# Sourced by report_cli.sh and render_chromium.sh with BINARY SOURCE WORK as "$@":
# a fresh WORK folder with a.h5 (a small comparison including a scenario named
# <script>alert(1)</script>) and calibrated.h5 (the same with calibration groups).
set -euo pipefail
averted="$1" src="$2" work="$3"
py=/usr/bin/python3
here="$src/tests/report"
small="$src/tests/unit/uncertainty"
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$averted" compare "$small/small_baseline.yaml" "$small/small_prison75.yaml" "$here/script_name.yaml" \
  -r 3 --from 2026 --to 2030 -q -t 2 --no-csv -o "$work/a.h5" >/dev/null 2>&1
$py "$here/add_calibration.py" "$work/a.h5" "$work/calibrated.h5"
