#!/usr/bin/env python3
"""NumPy reference for the workbench benchmarks (crates/deal/benches/deal.rs).

Times the same deal points as the Rust benchmarks and computes their answers with its
own code, so that bench/deal.sh can check both agree:

  deterministic_1e5  10^5 deal points (IR-1 and IR-6 enriching, IR-2m stored and
                     reinstalled at 0-600 a month), the days to do one stock's work,
                     vectorised over the points
  deal_point_mc      one point of the sweep (the JCPOA from the 2015 state with its
                     IR-1 count and reinstallation rate swept) with 1,000 Monte Carlo
                     samples, vectorised over the samples

The model is the one crates/deal/src/model.rs documents: a point's breakout is the
time T with integral_0^T C(t) dt = W (the work of the stock, kg-SWU) under a capacity
C(t) that starts with the machines enriching and rises as stored machines come back at
a rate a month, most capable first; plus the route's fixed overhead days. W and the
overhead come from the Rust side's physics (`bench_answers` prints them with the
points' machines): the physics itself has its own reference, physics_reference.py.
Machine figures are the catalogue's (crates/physics/src/centrifuge.rs, each with its
source there), drawn from a triangular distribution (low, central, high), one draw
per machine type per sample.

Usage: python3 bench/deal_reference.py ANSWERS.json [--json]
"""

import json
import math
import sys

import numpy as np

# Timed the same way as the physics reference (same directory, run as a script).
from physics_reference import per_op

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 365.25 / 12

# kg-SWU per machine-year: (low, central, high), from the catalogue.
CATALOGUE = {
    "IR-1": (0.75, 0.9, 1.12),
    "IR-2m": (3.0, 3.75, 5.0),
    "IR-4": (3.0, 3.75, 5.0),
    "IR-6": (3.6, 5.0, 6.7),
}


def ramp_days(work_kg, c0, pool_s, pool_n, per_month):
    """Days to do work_kg kg-SWU, vectorised over points or samples.

    c0: (P,) kg-SWU/yr at the start; pool_s: (P, K) kg-SWU/yr per stored machine of
    each pool entry; pool_n: (P, K) machines of each; per_month: (P,) machines back a
    month. Pool entries are taken most capable first (sorted here per row).
    """
    c0 = np.asarray(c0, dtype=float)
    p = c0.shape[0]
    pool_s = np.asarray(pool_s, dtype=float).reshape(p, -1)
    pool_n = np.asarray(pool_n, dtype=float).reshape(p, -1)
    order = np.argsort(-pool_s, axis=1, kind="stable")
    pool_s = np.take_along_axis(pool_s, order, axis=1)
    pool_n = np.take_along_axis(pool_n, order, axis=1)
    per_day = np.broadcast_to(np.maximum(per_month, 0.0), (p,)) / DAYS_PER_MONTH

    left = np.full(p, work_kg * DAYS_PER_YEAR)
    c = np.maximum(c0, 0.0)
    t = np.zeros(p)
    out = np.full(p, np.nan)
    active = per_day > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(pool_s.shape[1]):
            s, n = pool_s[:, k], pool_n[:, k]
            use = active & (n > 0) & (s > 0) & np.isnan(out)
            span = np.where(use, n / np.where(per_day > 0, per_day, 1.0), 0.0)
            gain = s * per_day
            done = c * span + 0.5 * gain * span * span
            finish = use & (done >= left)
            tau = (-c + np.sqrt(c * c + 2.0 * gain * left)) / np.where(gain > 0, gain, 1.0)
            out = np.where(finish, t + tau, out)
            go = use & ~finish
            left = np.where(go, left - done, left)
            t = np.where(go, t + span, t)
            c = np.where(go, c + s * n, c)
        rest = np.where(c > 0, t + left / np.where(c > 0, c, 1.0), np.inf)
    return np.where(np.isnan(out), rest, out)


def deterministic(work):
    """The 10^5 points of benches/workload/mod.rs (point_mix), their days summed."""
    i = np.arange(100_000)
    c0 = CATALOGUE["IR-1"][1] * (1000 + i % 9000) + CATALOGUE["IR-6"][1] * (i % 500)
    pool_s = np.full((i.size, 1), CATALOGUE["IR-2m"][1])
    pool_n = (i % 3000).reshape(-1, 1).astype(float)
    per_month = (i % 7) * 100.0
    days = ramp_days(work["swu_kg"], c0, pool_s, pool_n, per_month) + work["overhead_days"]
    return float(np.where(np.isfinite(days), days, 0.0).sum())


def triangular_inv(u, low, mode, high):
    """The triangular distribution's inverse CDF."""
    if high <= low:
        return np.full_like(u, mode)
    fc = (mode - low) / (high - low)
    return np.where(
        u < fc,
        low + np.sqrt(u * (high - low) * (mode - low)),
        high - np.sqrt((1.0 - u) * (high - low) * (high - mode)),
    )


def point_mc(pt, samples, target_days, rng):
    """One sweep point: the probability that breakout >= the target, and the days."""
    types = sorted({m["machine"] for m in pt["enriching"] + pt["stored"]})
    draw = {m: triangular_inv(rng.random(samples), *CATALOGUE[m]) for m in types}
    c0 = np.zeros(samples)
    for m in pt["enriching"]:
        c0 += draw[m["machine"]] * m["count"]
    if pt["stored"]:
        pool_s = np.stack([draw[m["machine"]] for m in pt["stored"]], axis=1)
        pool_n = np.tile([float(m["count"]) for m in pt["stored"]], (samples, 1))
    else:
        pool_s = np.zeros((samples, 0))
        pool_n = np.zeros((samples, 0))
    w = pt["work"]
    days = ramp_days(w["swu_kg"], c0, pool_s, pool_n, np.full(samples, pt["per_month"]))
    days = days + w["overhead_days"]
    return float(np.mean(days >= target_days))


def point_central(pt):
    c0 = np.array([sum(CATALOGUE[m["machine"]][1] * m["count"] for m in pt["enriching"])])
    pool_s = np.array([[CATALOGUE[m["machine"]][1] for m in pt["stored"]]]).reshape(1, -1)
    pool_n = np.array([[float(m["count"]) for m in pt["stored"]]]).reshape(1, -1)
    d = ramp_days(pt["work"]["swu_kg"], c0, pool_s, pool_n, np.array([pt["per_month"]]))[0]
    return None if not math.isfinite(d) else float(d + pt["work"]["overhead_days"])


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    with open(sys.argv[1]) as f:
        rust = json.load(f)
    work = rust["work"]
    sweep = rust["sweep"]
    pts = sweep["sample_points"]
    rng = np.random.default_rng(1)

    # Answers: the deterministic sum, each point's central days, and its probability of
    # meeting the target from 10^5 samples (the Rust side draws 10^3 with another RNG).
    answers = {
        "catalogue": {k: list(v) for k, v in CATALOGUE.items()},
        "deterministic_sum_days": deterministic(work),
        "points": [
            {
                "index": pt["index"],
                "days": point_central(pt),
                "p_meets_target": point_mc(pt, 100_000, sweep["target_days"], rng),
            }
            for pt in pts
        ],
    }
    samples = sweep["samples"]
    target = sweep["target_days"]
    results = {
        "deterministic_1e5": per_op(lambda: deterministic(work)),
        "deal_point_mc": per_op(
            lambda: [point_mc(pt, samples, target, rng) for pt in pts]
        )
        / len(pts),
    }
    doc = {"seconds_per_op": results, "answers": answers, "numpy": np.__version__}
    if "--json" in sys.argv:
        print(json.dumps(doc))
    else:
        print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
