#!/usr/bin/python3
"""Prints the fit of a results file written with --posterior or --targets: per series
MAPE and 95% coverage (from /calibration), and which age band has the largest share of
heroin deaths in each year, observed and modelled (the ageing-cohort check of
docs/calibration.md).

Usage: /usr/bin/python3 analysis/calibration/fit_table.py RESULTS.h5
"""
import sys

import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
assert f.attrs["complete"] == 1, "not a complete results file"
cal = f["calibration"]
print(f"posterior {cal.attrs['posterior']} (fitted up to {cal.attrs['until_year']})")
print(f"{'series':<40} {'years':>5} {'MAPE %':>7} {'cover95':>8}")
for s, m, c, n in zip(cal["series"][()], cal["mape"][()], cal["coverage95"][()], cal["n_years"][()]):
    s = s.decode()
    star = " *" if f["observed"][s].attrs["primary"] else ""
    print(f"{s + star:<40} {n:>5} {m:>7.1f} {100 * c:>7.0f}%")

bands = ["under_30", "30_39", "40_49", "50_and_over"]
ids = [f"heroin_deaths_share_age_{b}" for b in bands]
if all(i in f["observed"] for i in ids):
    years = f["observed"][ids[0]]["year"][()]
    obs = np.array([f["observed"][i]["value"][()] for i in ids])
    mod = np.array([f["observed"][i]["model_quantiles"][0, 2, :] for i in ids])
    print("\nage band with the largest share of heroin/morphine deaths (observed / model median):")
    for k, y in enumerate(years):
        o, m = bands[int(np.argmax(obs[:, k]))], bands[int(np.argmax(mod[:, k]))]
        print(f"  {y}: {o:<12} {m:<12}{'' if o == m else '  differs'}")
    agree = sum(int(np.argmax(obs[:, k]) == np.argmax(mod[:, k])) for k in range(len(years)))
    print(f"  same band in {agree} of {len(years)} years")
