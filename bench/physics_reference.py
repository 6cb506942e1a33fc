#!/usr/bin/env python3
"""NumPy reference for the physics benchmarks (crates/physics/benches/physics.rs).

Runs the same four workloads as the Rust benchmarks, with the same inputs, and reports
the time per operation. It also prints the answers it computes, so that a reader can
check both implementations agree (bench/physics.sh compares them with `verity`).

  swu_eval_x1000     1,000 points of the SWU-per-kg curve (product 1–90 %), vectorised
  marc_solve         one multicomponent MARC design (PyNE check_NU case)
  breakout_lp_solve  one breakout LP (4 stocks + natural uranium, IR-1 + IR-2m)
  monte_carlo_1e6    1,000,000 Monte Carlo samples of that breakout, vectorised

Usage: python3 bench/physics_reference.py [--json]
"""

import json
import math
import sys
import time

import numpy as np

NATURAL = 0.00711
DAYS_PER_YEAR = 365.25

# Same inputs as bench_input() in crates/physics/benches/physics.rs.
STOCKS = [(0.02, 1367.9), (0.045, 1773.2), (0.1975, 62.8), (0.60, 2.4)]
# (count, low, central, high) kg-SWU per machine-year, from the catalogue.
MACHINES = [(5060, 0.75, 0.9, 1.12), (1044, 3.0, 3.75, 5.0)]
TAILS = 0.003
TARGET_X = 0.9
TARGET_U235 = 25.0


def value(x):
    return (2.0 * x - 1.0) * np.log(x / (1.0 - x))


# ---------------------------------------------------------------- two-stream SWU
def swu_per_product(xf, xp, xt):
    f = (xp - xt) / (xf - xt)
    t = (xp - xf) / (xf - xt)
    return value(xp) + t * value(xt) - f * value(xf)


# ---------------------------------------------------------------- breakout LP
def breakout(stocks, machines, xt=TAILS, xp=TARGET_X, u235=TARGET_U235, natural=True):
    x = np.array([s[0] for s in stocks] + ([NATURAL] if natural else []))
    lim = np.array([s[1] for s in stocks] + ([np.inf] if natural else []))
    cap = float(sum(n * c for n, _, c, _ in machines))
    p = u235 / xp
    use = x > xt
    w = x - xt
    c = value(xt) - value(np.where(use, x, 0.5))
    order = np.argsort(np.where(use, c / np.where(use, w, 1.0), np.inf))
    order = order[use[order]]
    need = p * (xp - xt)
    wl = lim[order] * w[order]
    before = np.concatenate(([0.0], np.cumsum(wl)[:-1]))
    rest = np.clip(need - before, 0.0, None)
    f = np.minimum(rest / w[order], lim[order])
    if f @ w[order] < need * (1 - 1e-12):
        raise ValueError("infeasible")
    swu = p * (value(xp) - value(xt)) + f @ c[order]
    return swu, swu / cap * DAYS_PER_YEAR


# ---------------------------------------------------------------- Monte Carlo
def monte_carlo(n, seed=1, sigma=0.02, xt=TAILS, xp=TARGET_X, u235=TARGET_U235):
    rng = np.random.default_rng(seed)
    cap = np.zeros(n)
    for count, lo, mode, hi in MACHINES:
        cap += count * rng.triangular(lo, mode, hi, n)
    x = np.array([s[0] for s in STOCKS] + [NATURAL])
    base = np.array([s[1] for s in STOCKS] + [np.inf])
    w = x - xt
    c = value(xt) - value(x)
    order = np.argsort(c / w)
    p = u235 / xp
    need = np.full(n, p * (xp - xt))
    swu = np.full(n, p * (value(xp) - value(xt)))
    for i in order:
        if np.isfinite(base[i]):
            lim = np.clip(base[i] * (1.0 + sigma * rng.standard_normal(n)), 0.0, None)
        else:
            lim = np.inf
        f = np.minimum(need / w[i], lim)
        swu += f * c[i]
        need -= f * w[i]
    days = swu / cap * DAYS_PER_YEAR
    return np.quantile(days, [0.05, 0.5, 0.95])


# ---------------------------------------------------------------- MARC (check_NU)
M = np.array([234.0409521, 235.0439299, 236.0455680, 238.0507882])


def marc_at(feed, xp, xt, mstar, alpha=1.05, j=1, k=3):
    lb = (mstar - M) * math.log(alpha)

    def split(n, m):
        e = np.exp(lb * (m + 1.0))
        s = np.exp(-lb * n)
        pp = feed * (e - 1.0) / (e - s)
        tt = feed - pp
        return pp, tt

    def res(n, m):
        pp, tt = split(n, m)
        return np.array([math.log(pp[j] / pp.sum() / xp), math.log(tt[j] / tt.sum() / xt)])

    n, m = 30.0, 10.0
    r = res(n, m)
    for _ in range(200):
        if np.max(np.abs(r)) < 1e-14:
            break
        hn, hm = 1e-6 * max(n, 1.0), 1e-6 * max(m, 1.0)
        jac = np.column_stack(((res(n + hn, m) - r) / hn, (res(n, m + hm) - r) / hm))
        d = np.linalg.solve(jac, -r)
        lam = 1.0
        while True:
            nn, mm = n + lam * d[0], m + lam * d[1]
            if nn > 0 and mm > -1:
                rr = res(nn, mm)
                if np.max(np.abs(rr)) < np.max(np.abs(r)) or lam < 1e-6:
                    n, m, r = nn, mm, rr
                    break
            lam *= 0.5
    pp, tt = split(n, m)
    prod, tail = pp / pp.sum(), tt / tt.sum()
    ppf = (feed[j] - xt) / (xp - xt)
    tpf = 1.0 - ppf
    lrf = math.log(feed[j] / feed[k])
    lrp = math.log(prod[j] / prod[k])
    lrt = math.log(tail[j] / tail[k])
    term = ppf * prod * lrp + tpf * tail * lrt - feed * lrf
    beta = np.exp(lb)
    du = (mstar - M[j]) * math.log(alpha) * (beta - 1.0) / (beta + 1.0)
    return (term / du).sum(), -term.sum() / ppf, n, m


def marc(feed, xp, xt, m0=236.5):
    lo = max(mm for mm, f in zip(M, feed) if f > 0 and mm < m0)
    hi = min(mm for mm, f in zip(M, feed) if f > 0 and mm > m0)
    margin = 1e-3 * (hi - lo)
    lo, hi = lo + margin, hi - margin
    f = lambda x: marc_at(feed, xp, xt, x)[0]
    h = 0.02 * (hi - lo)
    a, fa = m0, f(m0)
    b = min(m0 + h, hi)
    fb = f(b)
    if fb > fa:
        a, b, fa, fb, h = b, a, fb, fa, -h
    c = min(max(b + h, lo), hi)
    fc = f(c)
    while fc < fb and lo < c < hi:
        a, b, fb = b, c, fc
        h *= 1.6
        c = min(max(b + h, lo), hi)
        fc = f(c)
    x0, x3 = min(a, c), max(a, c)
    g = 0.5 * (math.sqrt(5.0) - 1.0)
    x1, x2 = x3 - g * (x3 - x0), x0 + g * (x3 - x0)
    f1, f2 = f(x1), f(x2)
    while x3 - x0 > 1e-9:
        if f1 < f2:
            x3, x2, f2 = x2, x1, f1
            x1 = x3 - g * (x3 - x0)
            f1 = f(x1)
        else:
            x0, x1, f1 = x1, x2, f2
            x2 = x0 + g * (x3 - x0)
            f2 = f(x2)
    ms = 0.5 * (x0 + x3)
    return (ms,) + marc_at(feed, xp, xt, ms)


# ---------------------------------------------------------------- timing
def per_op(fn, min_time=1.0):
    """Seconds per call: repeat until min_time has passed, best of three batches."""
    fn()
    reps, best = 1, math.inf
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 3:
            break
        reps *= 2
    best = dt / reps
    for _ in range(2):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main():
    # Same curve as the Rust bench: product 1–90 %, natural feed, 0.3 % tails.
    xps = 0.01 + 0.89 * np.arange(1000) / 999.0
    nu = np.array([5.5e-5, 0.0072, 0.0, 0.992745])

    swu_vals = swu_per_product(NATURAL, xps, 0.003)
    lp = breakout(STOCKS, MACHINES)
    mc = monte_carlo(1_000_000)
    mr = marc(nu, 0.05, 0.0025)

    results = {
        "swu_eval_x1000": per_op(lambda: swu_per_product(NATURAL, xps, 0.003)),
        "marc_solve": per_op(lambda: marc(nu, 0.05, 0.0025)),
        "breakout_lp_solve": per_op(lambda: breakout(STOCKS, MACHINES)),
        "monte_carlo_1e6": per_op(lambda: monte_carlo(1_000_000), min_time=3.0),
    }
    answers = {
        "swu_per_kg_90pct_from_natural_at_0.3pct": float(swu_vals[-1]),
        "breakout_swu_kg": float(lp[0]),
        "breakout_days": float(lp[1]),
        "mc_p05_median_p95_days": [float(v) for v in mc],
        "marc_check_nu": {"m_star": mr[0], "flow_per_feed": mr[1], "swu_per_product": mr[2]},
    }
    if "--json" in sys.argv:
        print(json.dumps({"seconds_per_op": results, "answers": answers, "numpy": np.__version__}))
    else:
        for k, v in results.items():
            print(f"{k:<20} {v * 1e6:12.2f} µs/op")
        print(json.dumps(answers, indent=2))


if __name__ == "__main__":
    main()
