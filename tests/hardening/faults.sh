#!/usr/bin/env bash
# Fault injection through the real command line (docs/reliability.md has the table):
#   averted BINARY, SOURCE_DIR, WORK_DIR.
# Each case says what it does; a failure names the case.
set -uo pipefail
averted="$1" src="$2" work="$3"
py=/usr/bin/python3
reader="$src/analysis/read_results.py"
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
baseline="$src/scenarios/england/baseline.yaml"
small="$src/scenarios/testing/constant_rates.yaml"

# run CASE EXPECTED_CODE -- command...: runs it, keeps stderr in CASE.err, checks the code.
run() {
  local name="$1" want="$2"; shift 3
  "$@" >"$name.out" 2>"$name.err"
  local code=$?
  [[ $code -eq $want ]] || { cat "$name.err" >&2; fail "$name: exit code $code, expected $want"; }
}
nothing_at() { for f in "$@"; do [[ ! -e "$f" ]] || fail "left behind: $f"; done; }

# 1. Killed mid-run (SIGKILL, SIGTERM, SIGINT): never a file at the final name; the
#    .partial says complete=0, holds only runs marked done, and the reader refuses it;
#    the same command run again starts afresh and finishes.
# A quarter of England: a run takes about 1 s on two threads (12 s under ASan), long
# beside the 0.1-0.2 s between a run being marked done and the kill (more on a loaded
# machine), so the kill lands between writes: a SIGKILL in the milliseconds of a write
# can leave a file HDF5 cannot open. (1 in 10 of England saves 5 s a kill under ASan,
# but leaves a normal build only about 0.4 s: too little for a CI machine under load.)
printf 'extends: %s\nscenario:\n  name: quarter\nrun:\n  population_scale: 0.25\n' "$baseline" >"$work/quarter.yaml"
for sig in KILL TERM INT; do
  out="$work/killed-$sig.h5"
  # (a background job starts with SIGINT ignored; give the program the default back)
  env --default-signal=INT "$averted" run "$work/quarter.yaml" -r 200 -t 2 -q -o "$out" 2>"killed-$sig.err" &
  pid=$!
  # wait until at least one run is in the file (or 60 s); one Python process polls,
  # as importing h5py takes a second or more
  $py - "$out.partial" <<'PY'
import os, sys, time, h5py
for _ in range(600):
    if os.path.exists(sys.argv[1]):
        try:
            with h5py.File(sys.argv[1], "r", locking=False) as f:
                if f["runs/done"][()].sum() >= 1:
                    break
        except (OSError, KeyError):  # not yet a complete HDF5 header, or no runs table
            pass
    time.sleep(0.1)
PY
  kill -s "$sig" "$pid" 2>/dev/null || fail "killed-$sig: the run ended before it could be killed"
  wait "$pid"; code=$?
  [[ $code -ne 0 ]] || fail "killed-$sig: exit code 0 after SIG$sig"
  nothing_at "$out"
  [[ -e "$out.partial" ]] || fail "killed-$sig: no .partial left (the finished runs are lost)"
  $py - "$out.partial" <<'PY' || fail "killed-$sig: the .partial is not a consistent partial file"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["complete"] == 0
    done = f["runs/done"][()]
    assert 1 <= done.sum() < done.size, done.sum()
    deaths = f["results/deaths"][()]
    for idx in zip(*np.nonzero(done)):
        assert deaths[idx].sum() > 0, idx   # every run marked done has its data
print(f"partial file: {int(done.sum())} of {done.size} runs done, each with its data")
PY
  run "killed-$sig-read" 1 -- $py "$reader" "$out.partial"
  grep -q "not complete" "killed-$sig-read.err" || fail "killed-$sig: the reader did not say why it refused"
done
run rerun 0 -- "$averted" run "$small" -q -o "$work/killed-KILL.h5"
$py "$reader" "$work/killed-KILL.h5" >/dev/null || fail "rerun: the new file is not readable"
nothing_at "$work/killed-KILL.h5.partial"

# 2. Full disk: the file-size limit (ulimit -f) makes writes fail with EFBIG, as a full
#    disk fails them with ENOSPC. A clear error, exit 1, and no file at all.
# 1 in 50 of England: the file is about 180 KB once it
# holds its first run and grows by about 27 KB a run (690 KB for 20), so 256 KiB fills
# up a few runs in, in the middle of writing the results.
printf 'extends: %s\nscenario:\n  name: fiftieth\nrun:\n  population_scale: 0.02\n' "$baseline" >"$work/fiftieth.yaml"
(
  trap '' XFSZ   # ignored signals stay ignored in the program
  ulimit -f 256  # KiB
  "$averted" run "$work/fiftieth.yaml" -r 20 -t 2 -q -o "$work/full.h5"
) >full.out 2>full.err
code=$?
[[ $code -eq 1 ]] || { cat full.err >&2; fail "full disk: exit code $code, expected 1"; }
grep -q "was removed and nothing was written" full.err || { cat full.err >&2; fail "full disk: unclear message"; }
nothing_at "$work/full.h5" "$work/full.h5.partial"

# 3. Unwritable or impossible output paths: a clear error naming the path, exit 1.
echo x >"$work/a-file"
run not-a-folder 1 -- "$averted" run "$small" -q -o "$work/a-file/out.h5"
run proc 1 -- "$averted" run "$small" -q -o /proc/averted-out.h5
grep -q "/proc/averted-out.h5" proc.err || fail "unwritable: the path is not named"
mkdir -p "$work/ro"
chmod 0555 "$work/ro"
if [[ $(id -u) -ne 0 ]]; then  # root may write anywhere
  run read-only 1 -- "$averted" run "$small" -q -o "$work/ro/out.h5"
  nothing_at "$work/ro/out.h5" "$work/ro/out.h5.partial"
fi
# A link planted where the partial file goes is not written through.
echo "keep me" >"$work/precious.txt"
ln -s "$work/precious.txt" "$work/linked.h5.partial"
run link 1 -- "$averted" run "$small" -q -o "$work/linked.h5"
grep -q "symbolic link" link.err || fail "link: unclear message"
[[ "$(cat "$work/precious.txt")" == "keep me" ]] || fail "link: a file outside was overwritten"

# 4. Corrupt results files: the reader refuses them with a message, never a traceback.
# (the good file to damage is the one the rerun in case 1 wrote and the reader read)
good="$work/killed-KILL.h5"
cp "$good" "$work/truncated.h5" && truncate -s 2000 "$work/truncated.h5"
cp "$good" "$work/garbage.h5" && dd if=/dev/urandom of="$work/garbage.h5" bs=1 count=4096 seek=0 conv=notrunc status=none
head -c 100000 /dev/urandom >"$work/random.h5"
for f in truncated garbage random; do
  run "corrupt-$f" 1 -- $py "$reader" "$work/$f.h5"
  ! grep -q Traceback "corrupt-$f.err" || fail "corrupt-$f: the reader crashed"
done

# 5. Too big for the machine: refused up front with the estimate; nothing is created.
AVERTED_TIME_LIMIT=10s run too-long 1 -- "$averted" run "$baseline" -r 2000 -q -o "$work/big/too-long.h5"
grep -q "time: about" too-long.err && grep -q "estimate: up to" too-long.err || { cat too-long.err >&2; fail "too-long: no estimate"; }
cat >"$work/huge.yaml" <<YAML
extends: $baseline
run:
  population_scale: 10
population:
  initial_size: 1e7
  new_injectors: {1980: 1e6}
  initiates_per_injector: 1000
YAML
run too-many 1 -- "$averted" run "$work/huge.yaml" -q -o "$work/big/huge.h5"
grep -q "4,294,967,295" too-many.err || { cat too-many.err >&2; fail "too-many: not refused for its size"; }
nothing_at "$work/big"

echo "fault injection passed"
