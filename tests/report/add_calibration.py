"""Adds the calibration groups of a calibrated forecast (the layout agreed with the
calibration work, docs/report.md) to a copy of a results file, with made-up test values.
Usage: add_calibration.py IN.h5 OUT.h5"""
import shutil
import sys

import h5py
import numpy as np

src, out = sys.argv[1:3]
shutil.copyfile(src, out)
rng = np.random.default_rng(7)
with h5py.File(out, "r+") as f:
    n_scen = len(f["layout/scenarios"])
    text = h5py.string_dtype()
    series = {
        # id: (label, unit, primary, years, level)
        "ons_drug_poisoning": ("Drug-poisoning deaths (ONS)", "deaths", 1, list(range(2020, 2026)), 12.0),
        "in_ost": ("People in OST <i>(NDTMS)</i> & others", "people in treatment", 0, list(range(2021, 2025)), 600.0),
    }
    for sid, (label, unit, primary, years, level) in series.items():
        g = f.create_group("observed/" + sid)
        g.attrs["label"], g.attrs["unit"] = label, unit
        g.attrs["source"], g.attrs["geography"] = "test source <b>bold</b>", "England"
        g.attrs["mapping"] = "the model's deaths from drug poisoning, all ages"
        g.attrs["primary"] = np.int32(primary)
        n = len(years)
        value = level * (1 + 0.1 * rng.standard_normal(n))
        g["year"] = np.array(years, dtype=np.int32)
        g["value"], g["lower"], g["upper"] = value, value * 0.85, value * 1.15
        q = np.sort(level * (1 + 0.15 * rng.standard_normal((n_scen, 5, n))), axis=1)
        g["model_quantiles"] = q
    c = f.create_group("calibration")
    c.attrs["method"] = "ABC-SMC"
    c.attrs["posterior"], c.attrs["posterior_hash"] = "posterior.h5", "abc123"
    c.attrs["until_year"] = np.int32(2024)
    c.attrs["targets_file"], c.attrs["targets_hash"] = "targets.yaml", "def456"
    c.create_dataset("series", data=list(series), dtype=text)
    c["mape"] = np.array([8.3, 12.1])  # percent, as calibration writes it
    c["coverage95"] = np.array([5 / 6, 0.75])
    c["n_years"] = np.array([6, 4], dtype=np.int32)
