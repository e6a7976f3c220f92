"""Checks an `averted report` HTML file against the results file(s) it came from.

Usage: check_report.py REPORT.html RESULTS.h5 [RESULTS_B.h5] [--expect-text TEXT]... [--expect-chart ID]...

* well-formed: every element closed in order, unique ids, every inline SVG is well-formed XML;
* self-contained: no script, no external stylesheet, font, image or link;
* every number shown in a <data> element equals the value in the results file that its
  data-src names (relative tolerance 1e-9), and the text shown is that value rounded;
* --expect-text: the text appears in the page's text (after HTML unescaping), and
  never as markup;
* --expect-chart: a <figure class="chart"> with that id holds an <svg>.
Exits 1 with the reasons on failure.
"""
import html
import html.parser
import re
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
QUANTILES = [0.025, 0.25, 0.5, 0.75, 0.975]
problems = []


def fail(msg):
    problems.append(msg)


class Structure(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.data, self.text = [], set(), [], []
        self.figures = {}  # figure id -> holds an svg
        self.current_data = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                fail(f"duplicate id {a['id']}")
            self.ids.add(a["id"])
        if tag == "script":
            fail("the report contains a <script>")
        if tag in ("link", "img", "iframe", "object", "embed"):
            fail(f"the report loads something: <{tag}>")
        for k, v in a.items():
            if k in ("src", "srcset") or (k == "href" and v and not v.startswith("#")):
                fail(f"external reference {k}={v!r} on <{tag}>")
        if tag == "figure" and "chart" in (a.get("class") or ""):
            self.figures[a.get("id")] = False
        if tag == "svg":
            open_figs = [x for x in self.stack if x[0] == "figure"]
            if open_figs:
                self.figures[open_figs[-1][1]] = True
        if tag == "data":
            self.current_data = {"value": a.get("value"), "src": a.get("data-src"), "cls": a.get("class"), "text": ""}
        if tag not in VOID:
            self.stack.append((tag, a.get("id")))

    def handle_startendtag(self, tag, attrs):  # <rect .../> in SVG
        pass

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            fail(f"</{tag}> at line {self.getpos()[0]} closes <{self.stack[-1][0] if self.stack else 'nothing'}>")
            return
        self.stack.pop()
        if tag == "data" and self.current_data is not None:
            self.data.append(self.current_data)
            self.current_data = None

    def handle_data(self, d):
        self.text.append(d)
        if self.current_data is not None:
            self.current_data["text"] += d


class Source:
    """Values of a results file by the report's data-src names."""

    def __init__(self, path):
        self.f = h5py.File(path, "r")
        self.cache = {}
        s = self.f["summary/deaths_averted"]
        self.horizon = [int(x) for x in self.f[s.attrs["dim_labels"][1]].asstr()[()][-1].split("-")]

    def table(self, name):
        if name not in self.cache:
            t = self.f["results/" + name]
            dims = list(t.attrs["dims"])
            labels = [list(self.f[p].asstr()[()]) for p in t.attrs["dim_labels"]]
            self.cache[name] = (t[()].astype(float), dims, labels)
        return self.cache[name]

    def by_year(self, name, s, keep=None):
        """Runs x year [x label of axis `keep`], summed over the other axes (yearly outputs)."""
        data, dims, labels = self.table(name)
        x = data[s]  # draw, replicate, year, ...
        axes = tuple(i for i in range(4, len(dims)) if dims[i] != keep)
        x = x.sum(axis=tuple(a - 1 for a in axes))
        years = [int(y[:4]) for y in labels[3]]
        assert years == sorted(set(years)), "these checks expect yearly outputs"
        return x.reshape((-1,) + x.shape[2:]), years, (labels[dims.index(keep)] if keep else None)

    def value(self, src):
        parts = src.split("/")
        kind = parts[0]
        if kind == "summary":
            name, s, p, stat = parts[1], int(parts[2]), int(parts[3]), parts[4]
            t = self.f["summary/" + name]
            stats = list(self.f[t.attrs["dim_labels"][2]].asstr()[()])
            return float(t[s, p, stats.index(stat)])
        if kind == "deaths_band":
            s, year, q = int(parts[1]), int(parts[2]), float(parts[3])
            runs, years, _ = self.by_year("deaths", s)
            return float(np.quantile(runs[:, years.index(year)], q))
        if kind == "breakdown":
            table, dim, s, label = parts[1], parts[2], int(parts[3]), parts[4]
            runs, years, labels = self.by_year(table, s, keep=dim)
            pick = [i for i, y in enumerate(years) if self.horizon[0] <= y <= self.horizon[1]]
            return float(runs[:, pick, labels.index(label)].sum(axis=1).mean())
        if kind == "people":
            s, state, year = int(parts[1]), parts[2], int(parts[3])
            runs, years, labels = self.by_year("people", s, keep="state")
            return float(runs[:, years.index(year), labels.index(state)].mean())
        if kind == "observed":
            g = self.f["observed/" + parts[1]]
            if parts[2] == "model_quantiles":
                return float(g["model_quantiles"][int(parts[3]), int(parts[4]), int(parts[5])])
            return float(g[parts[2]][int(parts[3])])
        if kind == "calibration":
            return float(self.f["calibration/" + parts[1]][int(parts[2])])
        if kind == "attr":
            return float(self.f.attrs[parts[1]])
        if kind == "layout":
            return float(self.f["layout"].attrs[parts[1]])
        raise ValueError(f"unknown data-src {src!r}")


def evaluate(src, sources):
    """'A:summary/... - B:summary/... + ...' (or a plain name with one file)."""
    total, sign = 0.0, 1.0
    for token in src.split(" "):
        if token in ("+", "-"):
            sign = 1.0 if token == "+" else -1.0
            continue
        which = 0
        if token[:2] in ("A:", "B:"):
            which, token = (0 if token[0] == "A" else 1), token[2:]
        total += sign * sources[which].value(token)
    return total


def shown_matches(text, value, cls):
    """The shown text is `value` rounded as the report rounds it."""
    t = text.strip().replace(",", "").replace("£", "")
    mult, tol = 1.0, None
    if t.endswith("m"):
        mult, t = 1e6, t[:-1]
    if t.endswith("%"):
        mult, t = 0.01, t[:-1]
    try:
        shown = float(t) * mult
    except ValueError:
        return False
    decimals = len(t.split(".")[1]) if "." in t else 0
    tol = 0.5 * 10 ** (-decimals) * mult
    if cls == "money" and mult == 1.0:
        tol = 50.0  # pounds under a million: to the nearest £100
    return abs(shown - value) <= tol * (1 + 1e-9) + 1e-9


def main(argv):
    args, expect_text, expect_chart = [], [], []
    i = 0
    while i < len(argv):
        if argv[i] == "--expect-text":
            expect_text.append(argv[i + 1]); i += 2
        elif argv[i] == "--expect-chart":
            expect_chart.append(argv[i + 1]); i += 2
        else:
            args.append(argv[i]); i += 1
    report, files = args[0], args[1:]
    page = open(report, encoding="utf-8").read()
    p = Structure()
    p.feed(page)
    p.close()
    if p.stack:
        fail(f"unclosed elements at the end: {p.stack}")
    for low in ("<script", "@import", "url("):
        if low in page.lower():
            fail(f"the report contains {low!r}")
    for k, svg in enumerate(re.findall(r"<svg.*?</svg>", page, flags=re.S)):
        try:
            ET.fromstring(svg.replace("&nbsp;", "&#160;"))
        except ET.ParseError as e:
            fail(f"SVG number {k} is not well-formed XML: {e}")
    text = "".join(p.text)
    for t in expect_text:
        if t not in text:
            fail(f"text {t!r} is not shown")
        if t in page and t != html.escape(t, quote=True):
            fail(f"text {t!r} appears unescaped in the markup")
    for c in expect_chart:
        if c not in p.figures:
            fail(f"no chart {c}")
        elif not p.figures[c]:
            fail(f"chart {c} holds no <svg>")
    sources = [Source(f) for f in files]
    kinds = {}
    for d in p.data:
        if d["src"].startswith("rerun/"):  # from new runs (--attribute), not in either file: rounding only
            if not shown_matches(d["text"], float(d["value"]), d["cls"]):
                fail(f"{d['src']}: shown as {d['text']!r}, which is not {d['value']} rounded")
            kinds["rerun"] = kinds.get("rerun", 0) + 1
            continue
        try:
            expected = evaluate(d["src"], sources)
        except Exception as e:  # a name the file does not have is a failure too
            fail(f"data-src {d['src']!r}: {type(e).__name__}: {e}")
            continue
        value = float(d["value"])
        if not np.isclose(value, expected, rtol=1e-9, atol=1e-9):
            fail(f"{d['src']}: report says {value!r}, the file gives {expected!r}")
        if not shown_matches(d["text"], value, d["cls"]):
            fail(f"{d['src']}: shown as {d['text']!r}, which is not {value!r} rounded")
        kind = d["src"].split("/")[0].split(":")[-1]
        kinds[kind] = kinds.get(kind, 0) + 1
    if problems:
        print(f"FAIL: {report}:", *problems[:40], sep="\n  ")
        return 1
    print(f"{report}: well-formed, self-contained, {len(p.data)} numbers equal to the results file "
          f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}), {len(p.figures)} charts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
