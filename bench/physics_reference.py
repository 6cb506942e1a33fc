#!/usr/bin/env python3
"""NumPy reference for the physics benchmarks (crates/physics/benches/physics.rs).

Runs the same four workloads as the Rust benchmarks, with the same inputs, and reports
the time per operation. It also prints the answers it computes, so that a reader can
check both implementations agree (bench/physics.sh compares them with `verity`).

  swu_eval_x1000     1,000 points of the SWU-per-kg curve (product 1–90 %), vectorised
  marc_solve         one multicomponent MARC design (PyNE check_NU case)
  breakout_lp_solve  one breakout LP (4 stocks + natural uranium, IR-1 + IR-2m)
  monte_carlo_1e6    1,000,000 Monte Carlo samples of that breakout, vectorised
  breakout_routes    that breakout by two routes: the single cascade with its tails
                     optimised over the admissible range (log grid + golden section, as
                     crates/physics/src/breakout.rs) and the staged route
  breakout_routes_fixed  the same with the third route, fixed cascades (the staged
                     steps in given cascades, HEU steps on the advanced ones, plus
                     equilibrium and reconnection days)

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


# ---------------------------------------------------------------- routes
NATURAL_TAILS_MAX = 0.005
TAILS_FLOOR = 1e-4


def lp(x, lim, xp, xt, p):
    """The fractional-knapsack LP: (swu, feed per offer) or None when infeasible."""
    x = np.asarray(x, float)
    lim = np.asarray(lim, float)
    use = (x > xt) & (lim > 0)
    w = x - xt
    c = value(xt) - value(np.where(use, x, 0.5))
    order = np.argsort(np.where(use, c / np.where(use, w, 1.0), np.inf), kind="stable")
    order = order[use[order]]
    need = p * (xp - xt)
    eps = 1e-12 * need
    f = np.zeros(len(x))
    swu = p * (value(xp) - value(xt))
    for i in order:
        if need <= eps:
            break
        fi = min(need / w[i], lim[i])
        f[i] = fi
        swu += fi * c[i]
        need -= fi * w[i]
    return None if need > eps else (swu, f)


def optimal_tails(stocks, natural, xp, p):
    x = [s[0] for s in stocks] + ([NATURAL] if natural else [])
    base = [s[1] for s in stocks] + ([math.inf] if natural else [])
    top = max([s[0] for s in stocks if s[1] > 0] + [NATURAL_TAILS_MAX])

    def at(xt):
        return [0.0 if math.isinf(b) and xt > NATURAL_TAILS_MAX else b for b in base]

    def ev(xt):
        r = lp(x, at(xt), xp, xt, p)
        return math.inf if r is None else r[0]

    l0, l1 = math.log(TAILS_FLOOR), math.log(top * (1 - 1e-9))
    grid = [math.exp(l0 + (l1 - l0) * k / 240) for k in range(241)] + [NATURAL_TAILS_MAX]
    best = (math.inf, grid[0])
    for xt in grid:
        s_ = ev(xt)
        if s_ < best[0]:
            best = (s_, xt)
    step = (l1 - l0) / 240
    a, b = max(math.log(best[1]) - step, l0), min(math.log(best[1]) + step, l1)
    g = 0.5 * (math.sqrt(5.0) - 1.0)
    f = lambda lx: ev(math.exp(lx))
    # Golden section in ln x keeping the best point evaluated; an infeasible (infinite)
    # right point shrinks the bracket from the right (as breakout.rs's golden_min).
    c_, d_ = b - g * (b - a), a + g * (b - a)
    fc, fd = f(c_), f(d_)
    seen = min((fc, c_), (fd, d_))
    for _ in range(80):
        if fc < fd or not math.isfinite(fd):
            b, d_, fd = d_, c_, fc
            c_ = b - g * (b - a)
            fc = f(c_)
            seen = min(seen, (fc, c_))
        else:
            a, c_, fc = c_, d_, fd
            d_ = a + g * (b - a)
            fd = f(d_)
            seen = min(seen, (fd, d_))
    mid = 0.5 * (a + b)
    lx = mid if f(mid) < seen[0] else seen[1]
    xt = math.exp(lx)
    s_ = ev(xt)
    if s_ < best[0]:
        best = (s_, xt)
    return best[1], best[0]


def staged_steps(stocks, natural, xp, p, first_tails, leu=0.0367):
    """The staged route's steps, top down: (feed level of the step, kg-SWU)."""
    levels = [l for l in [NATURAL, leu, 0.20, 0.60] if l < xp] + [xp]
    steps, product = [], p
    for k in range(len(levels) - 2, -1, -1):
        if product <= 0:
            break
        lo, hi = levels[k], levels[k + 1]
        xt = first_tails if k == 0 else levels[k - 1]
        offers = [(x, m) for x, m in stocks if lo <= x < hi]
        upstream = k > 0 or natural
        if upstream:
            offers.append((lo, math.inf))
        r = lp([o[0] for o in offers], [o[1] for o in offers], hi, xt, product)
        if r is None:
            raise ValueError("infeasible step")
        steps.append((lo, r[0]))
        product = r[1][-1] if (upstream and k > 0) else 0.0
    return steps


def staged(stocks, natural, xp, p, first_tails, leu=0.0367):
    return sum(swu for _, swu in staged_steps(stocks, natural, xp, p, first_tails, leu))


# The fixed-cascade route's cascades (benches/workload/mod.rs, fixed_cascades): the
# IR-1 in 30 cascades of 164, the IR-2m in 6 of 174 at the central figures; the HEU
# steps (fed at 20 % and up) on the IR-2m cascades alone; a day to equilibrium per step
# and a day to reconnect between steps.
FIXED_ALL = 30 * 164 * 0.9 + 6 * 174 * 3.75
FIXED_HEU = 6 * 174 * 3.75
EQUILIBRIUM_DAYS = 1.0
INTERCONNECT_DAYS = 1.0


def fixed_cascades(steps):
    days = sum(swu / (FIXED_HEU if lo >= 0.20 - 1e-12 else FIXED_ALL) * DAYS_PER_YEAR
               for lo, swu in steps)
    n = len(steps)
    return days + n * EQUILIBRIUM_DAYS + max(n - 1, 0) * INTERCONNECT_DAYS


def routes(stocks=STOCKS, machines=MACHINES, xp=TARGET_X, u235=TARGET_U235, fixed=False):
    cap = float(sum(n * c for n, _, c, _ in machines))
    p = u235 / xp
    xt, single = optimal_tails(stocks, True, xp, p)
    steps = staged_steps(stocks, True, xp, p, min(xt, NATURAL_TAILS_MAX))
    st = sum(swu for _, swu in steps)
    out = (xt, single, single / cap * DAYS_PER_YEAR, st, st / cap * DAYS_PER_YEAR)
    if fixed:
        out += (st, fixed_cascades(steps), len(steps))
    return out


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
    rt = routes(fixed=True)

    results = {
        "swu_eval_x1000": per_op(lambda: swu_per_product(NATURAL, xps, 0.003)),
        "marc_solve": per_op(lambda: marc(nu, 0.05, 0.0025)),
        "breakout_lp_solve": per_op(lambda: breakout(STOCKS, MACHINES)),
        "monte_carlo_1e6": per_op(lambda: monte_carlo(1_000_000), min_time=3.0),
        "breakout_routes": per_op(routes),
        "breakout_routes_fixed": per_op(lambda: routes(fixed=True)),
    }
    answers = {
        "swu_per_kg_90pct_from_natural_at_0.3pct": float(swu_vals[-1]),
        "breakout_swu_kg": float(lp[0]),
        "breakout_days": float(lp[1]),
        "mc_p05_median_p95_days": [float(v) for v in mc],
        "marc_check_nu": {"m_star": mr[0], "flow_per_feed": mr[1], "swu_per_product": mr[2]},
        "routes": {"tails_pct": rt[0] * 100, "single_swu_kg": rt[1], "single_days": rt[2],
                   "staged_swu_kg": rt[3], "staged_days": rt[4],
                   "fixed_swu_kg": rt[5], "fixed_days": rt[6], "fixed_steps": rt[7]},
    }
    if "--json" in sys.argv:
        print(json.dumps({"seconds_per_op": results, "answers": answers, "numpy": np.__version__}))
    else:
        for k, v in results.items():
            print(f"{k:<20} {v * 1e6:12.2f} µs/op")
        print(json.dumps(answers, indent=2))


if __name__ == "__main__":
    main()
