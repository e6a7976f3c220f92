#!/usr/bin/python3
"""Deaths averted, read from an Averted results file: a short example for researchers.

Loads the deaths time series of every scenario (all causes, or one with --cause) and,
for each scenario against scenario 0 (the comparator), the deaths averted over the
years --from..--to in every (draw, replicate) pair: their mean and 95% interval (the
2.5th and 97.5th percentiles over the pairs). analysis/deaths_averted.R does the same
in R and prints the same numbers.

Usage:  /usr/bin/python3 analysis/deaths_averted.py RESULTS.h5 [--from 2026] [--to 2030] [--cause drug_poisoning]

Needs h5py and numpy. The file layout: docs/results-format.md.
"""

import argparse

import numpy as np

from read_results import fail, open_results  # beside this script


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--from", dest="first", type=int, help="first calendar year (default: the first in the file)")
    parser.add_argument("--to", dest="last", type=int, help="last calendar year, inclusive (default: the last)")
    parser.add_argument("--cause", help="one cause of death, e.g. drug_poisoning (default: all causes)")
    args = parser.parse_args()

    with open_results(args.path) as f:
        scenarios = list(f["layout/scenarios"].asstr()[()])
        table = f["results/deaths"]
        dims = list(table.attrs["dims"])
        labels = {d: list(f[p].asstr()[()]) for d, p in zip(dims, table.attrs["dim_labels"])}
        deaths = table[()].astype(np.float64)  # [scenario, draw, replicate, year, cause, ...]
    if args.cause is not None:
        if args.cause not in labels["cause"]:
            fail(f"no cause '{args.cause}'; causes are: {', '.join(labels['cause'])}")
        deaths = np.take(deaths, [labels["cause"].index(args.cause)], axis=dims.index("cause"))
    year = dims.index("year")
    others = tuple(a for a in range(3, deaths.ndim) if a != year)
    series = deaths.sum(axis=others)  # [scenario, draw, replicate, year]
    years = [int(y) for y in labels["year"]]
    first = years[0] if args.first is None else args.first
    last = years[-1] if args.last is None else args.last
    keep = [k for k, y in enumerate(years) if first <= y <= last]
    if not keep:
        fail(f"no year from {first} to {last} in this file ({years[0]}-{years[-1]})")

    what = args.cause or "all causes"
    print(f"Deaths ({what}) by year, mean over {series.shape[1]} draw(s) x {series.shape[2]} replicate(s)")
    print("year," + ",".join(f'"{s}"' for s in scenarios))  # quoted: names may hold commas
    for k, y in enumerate(years):
        print(f"{y}," + ",".join(f"{series[s, :, :, k].mean():.4f}" for s in range(len(scenarios))))

    print(f"\nDeaths averted ({what}) against '{scenarios[0]}', {first}-{last}, over (draw, replicate) pairs")
    print("scenario,pairs,mean,lower_95,upper_95")
    total = series[..., keep].sum(axis=3)  # [scenario, draw, replicate]
    for s in range(1, len(scenarios)):
        averted = (total[0] - total[s]).ravel()
        lower, upper = np.percentile(averted, [2.5, 97.5])
        print(f'"{scenarios[s]}",{averted.size},{averted.mean():.4f},{lower:.4f},{upper:.4f}')


if __name__ == "__main__":
    main()
