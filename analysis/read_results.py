#!/usr/bin/python3
"""Read an Averted results file: a short example for researchers.

Prints the scenarios, the table's yearly totals per scenario (mean over the draws and
replicates that were run), and, with two or more scenarios, the outcomes averted
relative to scenario 0 (the comparator), paired by (draw, replicate).

Usage:  /usr/bin/python3 analysis/read_results.py RESULTS.h5 [--table deaths]

Needs h5py and numpy. The file format is described in docs/results-format.md.
"""

import argparse
import os
import sys

import h5py
import numpy as np

READS_FORMAT_VERSIONS = [1]  # results layouts this script understands (docs/results-format.md#versions)


def fail(message):
    print(f"{os.path.splitext(os.path.basename(sys.argv[0]))[0]}: {message}", file=sys.stderr)
    sys.exit(1)


def open_results(path):
    """Opens a results file; refuses one of another layout version or one not complete."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(f"cannot open '{path}': {e}")
    if f.attrs.get("format") != "averted-results":
        fail(f"'{path}' is not an Averted results file (its root attribute 'format' is not 'averted-results')")
    version = int(f.attrs.get("format_version", -1))
    if version not in READS_FORMAT_VERSIONS:
        fail(f"'{path}' has results layout format_version {version} (written by Averted "
             f"{f.attrs.get('code_version', 'unknown')}); this script reads format_version "
             f"{', '.join(map(str, READS_FORMAT_VERSIONS))}. Run the scenarios again with this version of "
             "Averted, or use the analysis scripts of the version that wrote the file.")
    if int(f.attrs.get("complete", 0)) != 1:
        fail(f"'{path}' is not complete (its attribute 'complete' is not 1): the run that writes it has not "
             "finished, or stopped. Finish it (averted compare --resume) before analysing it.")
    return f


def labels(f, dataset, axis):
    """The labels of one axis of a table, from the dataset named in its 'dim_labels' attribute."""
    return list(f[dataset.attrs["dim_labels"][axis]].asstr()[()])


def yearly_totals(table, year_axis):
    """Sums a table over every axis except (scenario, draw, replicate, year).

    Reads one (scenario, draw) slice at a time so that large files fit in memory.
    Returns an array [scenario, draw, replicate, year] (year length 1 if there is none).
    """
    n_scen, n_draw, n_rep = table.shape[:3]
    n_year = table.shape[year_axis] if year_axis is not None else 1
    out = np.zeros((n_scen, n_draw, n_rep, n_year), dtype=np.float64)
    for s in range(n_scen):
        for d in range(n_draw):
            block = table[s, d]  # [replicate, dim1, dim2, ...]
            if year_axis is None:
                out[s, d, :, 0] = block.reshape(n_rep, -1).sum(axis=1)
            else:
                # Axis numbers in `block` are 2 less than in the table.
                block = np.moveaxis(block, year_axis - 2, 1)  # [replicate, year, others...]
                out[s, d] = block.reshape(n_rep, n_year, -1).sum(axis=2)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="results file (.h5)")
    parser.add_argument("--table", default="deaths", help="table under /results to summarise (default: deaths)")
    parser.add_argument("--from", dest="first", type=int, help="first calendar year to include")
    parser.add_argument("--to", dest="last", type=int, help="last calendar year to include")
    args = parser.parse_args()

    with open_results(args.path) as f:
        scenarios = list(f["layout/scenarios"].asstr()[()])
        print(f"File: {args.path}")
        print(f"Made by {f.attrs['code_version']} on {f.attrs['host']} at {f.attrs['created_utc']}")
        print(f"Draws: {f['layout'].attrs['draws']}, replicates: {f['layout'].attrs['replicates']}")
        print("Scenarios:")
        for i, name in enumerate(scenarios):
            print(f"  {i}: {name}{'  (comparator)' if i == 0 else ''}")

        if args.table not in f["results"]:
            fail(f"no table '{args.table}'; tables are: {', '.join(f['results'].keys())}")
        table = f["results"][args.table]
        dims = list(table.attrs["dims"])
        unit = table.attrs["unit"]
        year_axis = dims.index("year") if "year" in dims else None
        years = labels(f, table, year_axis) if year_axis is not None else ["all years"]

        # Only runs marked done hold data (unwritten cells read as 0). A complete file has
        # them all, but this keeps the arithmetic right for any file.
        done = f["runs/done"][()].astype(bool)  # [scenario, draw, replicate]
        totals = yearly_totals(table, year_axis)  # [scenario, draw, replicate, year]
        if year_axis is not None and (args.first or args.last):
            keep = [i for i, y in enumerate(years)
                    if (args.first is None or int(y) >= args.first) and (args.last is None or int(y) <= args.last)]
            if not keep:
                fail(f"no year between {args.first} and {args.last} in this file ({years[0]}-{years[-1]})")
            years = [years[i] for i in keep]
            totals = totals[..., keep]

    print(f"\nTable '{args.table}' ({unit}), dims {dims}")
    print(f"Summed over {[d for d in dims[3:] if d != 'year'] or 'nothing'}; "
          "mean over the draws and replicates run.")
    width = max(12, *(len(s) for s in scenarios))
    print(f"{'year':>10}  " + "  ".join(f"{s:>{width}}" for s in scenarios))
    means = np.array([totals[s][done[s]].mean(axis=0) if done[s].any() else np.full(len(years), np.nan)
                      for s in range(len(scenarios))])  # [scenario, year]
    for y, year in enumerate(years):
        print(f"{year:>10}  " + "  ".join(f"{means[s, y]:>{width}.1f}" for s in range(len(scenarios))))

    if len(scenarios) < 2:
        return
    span = f"{years[0]}-{years[-1]}" if year_axis is not None else "all years"
    print(f"\n{unit.capitalize()} averted vs '{scenarios[0]}', {span}, per (draw, replicate) pair:")
    all_years = totals.sum(axis=3)  # [scenario, draw, replicate]
    for s in range(1, len(scenarios)):
        paired = done[0] & done[s]
        averted = (all_years[0] - all_years[s])[paired]
        if averted.size == 0:
            print(f"  {scenarios[s]}: no (draw, replicate) pair was run in both scenarios")
            continue
        lo, hi = np.percentile(averted, [2.5, 97.5])
        print(f"  {scenarios[s]}: mean {averted.mean():.1f}, 95% interval [{lo:.1f}, {hi:.1f}] "
              f"over {averted.size} pairs")


if __name__ == "__main__":
    main()
