#!/usr/bin/env bash
# Workbench benchmarks side by side: the Rust deal points and sweep (criterion,
# crates/deal/benches) and the NumPy reference (bench/deal_reference.py) on the same
# points, printed as time per operation and the ratio, with the issue's goals. Also
# checks both compute the same answers.
#
#   bash bench/deal.sh            # full run (~2 minutes)
#   QUICK=1 bash bench/deal.sh    # shorter criterion measurement
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy

crit_args=(--noplot)
if [[ "${QUICK:-}" == 1 ]]; then crit_args+=(--warm-up-time 1 --measurement-time 3); fi

echo "== Rust (criterion)"
cargo bench -q -p verity-deal --bench deal -- "${crit_args[@]}"

echo "== answers (Rust)"
answers="$(mktemp)"
trap 'rm -f "$answers"' EXIT
cargo run -q --release -p verity-deal --example bench_answers >"$answers"

echo "== NumPy reference"
py_json=$(python3 bench/deal_reference.py "$answers" --json)

RUST_ANSWERS="$answers" PY_JSON="$py_json" CRIT_DIR="$CARGO_TARGET_DIR/criterion" THREADS="$(nproc)" python3 - <<'PY'
import json, os
crit = os.environ["CRIT_DIR"]
py = json.loads(os.environ["PY_JSON"])
with open(os.environ["RUST_ANSWERS"]) as f:
    rust = json.load(f)

def mean_s(group, name):
    with open(os.path.join(crit, group, name, "new", "estimates.json")) as f:
        return json.load(f)["mean"]["point_estimate"] * 1e-9

det = mean_s("deal_points", "deterministic_1e5")
sweep = mean_s("deal_search", "sweep_1e4_points_1e3_samples")
evaluate = mean_s("deal_search", "evaluate_jcpoa_2015")
n_sweep = rust["sweep"]["points"]
fmt = lambda s: f"{s*1e6:10.2f}µs" if s < 1e-2 else f"{s*1e3:10.2f}ms"
print()
print(f"{'workload':<34} {'Rust':>12} {'NumPy':>12} {'NumPy/Rust':>11}")
rows = [
    ("10^5 deterministic points", det, py["seconds_per_op"]["deterministic_1e5"]),
    ("one sweep point, 10^3 MC samples", sweep / n_sweep, py["seconds_per_op"]["deal_point_mc"]),
]
for name, r, p in rows:
    print(f"{name:<34} {fmt(r):>12} {fmt(p):>12} {p/r:10.1f}×")
threads = os.environ["THREADS"]
print(f"(NumPy {py['numpy']}, one thread; the Rust sweep runs on {threads} threads (rayon))")
print()
print(f"deterministic deal points: {1e5/det:,.0f}/s   (goal ≥ 1,000,000/s)")
print(f"sweep of {n_sweep:,} points × {rust['sweep']['samples']:,} samples: {sweep:.3f} s   (goal < 5 s)")
print(f"evaluate jcpoa-2015 (16 years × 4,000 samples): {fmt(evaluate).strip()}")

bad = 0
def check(name, ok, detail):
    global bad
    bad += not ok
    print(f"{'ok ' if ok else 'BAD'} {name}: {detail}")
print()
pa = py["answers"]
for k, v in rust["catalogue"].items():
    p = pa["catalogue"].get(k)
    check(f"catalogue {k}", p == v, f"Rust {v}, NumPy {p}")
r, p = rust["deterministic"]["sum_days"], pa["deterministic_sum_days"]
check("deterministic days, summed", abs(r - p) <= 1e-12 * abs(r), f"Rust {r:.12g}, NumPy {p:.12g} (rel tol 1e-12)")
for rp, pp in zip(rust["sweep"]["sample_points"], pa["points"]):
    i = rp["index"]
    rd, pd = rp["days"], pp["days"]
    same = (rd is None and pd is None) or (rd is not None and pd is not None and abs(rd - pd) <= 1e-9 * abs(rd))
    check(f"point {i} central days", same, f"Rust {rd}, NumPy {pd} (rel tol 1e-9)")
    # Rust draws 10^3 samples, NumPy 10^5, with different generators: 3 binomial σ.
    rq, pq = rp["p_meets_target"], pp["p_meets_target"]
    tol = 3 * (max(pq * (1 - pq), 1e-4) / rust["sweep"]["samples"]) ** 0.5 + 1e-3
    check(f"point {i} P(breakout ≥ target)", abs(rq - pq) <= tol, f"Rust {rq:.3f}, NumPy {pq:.3f} (tol {tol:.3f})")
raise SystemExit(1 if bad else 0)
PY
