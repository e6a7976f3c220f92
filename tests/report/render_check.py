"""Renders an HTML report in headless Chromium and checks what a reader would see.

Usage: render_check.py CHROMIUM REPORT.html WORKDIR CHART_ID... [--expect-console]

Copies the report with a checking script added at the end of the page (the report
itself has none), loads it, and reads back, for every <figure class="chart">, the
rendered size of its <svg> and how many shapes it drew, and how many resources the
page loaded. Fails if a chart listed is missing, renders empty, the page loaded
anything, or the browser console shows any message (the page has no script of its
own, so any message is an error). With --expect-console the last check is reversed:
the negative control that shows console messages are seen.
"""
import json
import os
import re
import subprocess
import sys

chromium, report, work, *rest = sys.argv[1:]
expect_console = "--expect-console" in rest
charts = [c for c in rest if not c.startswith("--")]
os.makedirs(work, exist_ok=True)
page = open(report, encoding="utf-8").read()
probe = """<script>
(function () {
  const out = {charts: {}, resources: performance.getEntriesByType('resource').map(r => r.name)};
  for (const fig of document.querySelectorAll('figure.chart')) {
    const svg = fig.querySelector('svg');
    const r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    out.charts[fig.id] = {width: r.width, height: r.height,
                          shapes: svg ? svg.querySelectorAll('path,rect,circle,line').length : 0,
                          texts: svg ? svg.querySelectorAll('text').length : 0};
  }
  const pre = document.createElement('pre');
  pre.id = 'render-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""
checked = os.path.join(work, "checked.html")
open(checked, "w", encoding="utf-8").write(page.replace("</body>", probe + "\n</body>"))
cmd = [chromium, "--headless", "--disable-gpu", "--no-first-run", "--user-data-dir=" + os.path.join(work, "profile"),
       "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + os.path.abspath(checked)]
if os.geteuid() == 0:
    cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
console = [l for l in done.stderr.splitlines() if ":CONSOLE" in l]
m = re.search(r'<pre id="render-check">(.*?)</pre>', done.stdout, re.S)
problems = []
if not m:
    problems.append("the page did not render (no result from the probe); Chromium said:\n" + done.stderr[-2000:])
else:
    result = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    for c in charts:
        r = result["charts"].get(c)
        if r is None:
            problems.append(f"chart {c} is not on the page")
        elif r["width"] < 100 or r["height"] < 50 or r["shapes"] < 3 or r["texts"] < 3:
            problems.append(f"chart {c} renders empty or tiny: {r}")
    if result["resources"]:
        problems.append(f"the page loaded resources: {result['resources']}")
if expect_console and not console:
    problems.append("negative control: the console message was not seen, so the console check is blind")
if not expect_console and console:
    problems.append("console messages:\n  " + "\n  ".join(console))
if problems:
    print(f"FAIL: {report}:", *problems, sep="\n  ")
    sys.exit(1)
print(f"{report}: rendered in Chromium, {len(charts)} charts drawn, no console messages"
      if not expect_console else f"{report}: negative control, console message seen")
