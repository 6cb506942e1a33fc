#!/usr/bin/env bash
# Physics benchmarks side by side: the Rust kernels (criterion, crates/physics/benches)
# and the NumPy reference (bench/physics_reference.py) on the same workloads, printed
# as time per operation and the ratio. Also checks both compute the same answers.
#
#   bash bench/physics.sh            # full run (~2 minutes)
#   QUICK=1 bash bench/physics.sh    # shorter criterion measurement
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

python3 -c 'import numpy' 2>/dev/null || python3 -m pip install --quiet numpy

crit_args=(--noplot)
if [[ "${QUICK:-}" == 1 ]]; then crit_args+=(--warm-up-time 1 --measurement-time 2); fi

echo "== Rust (criterion)"
cargo bench -q -p verity-physics --bench physics -- "${crit_args[@]}"

echo "== answers (Rust)"
rust_answers=$(cargo run -q --release -p verity-physics --example bench_answers)
echo "$rust_answers"

echo "== NumPy reference"
py_json=$(python3 bench/physics_reference.py --json)

RUST_ANSWERS="$rust_answers" PY_JSON="$py_json" CRIT_DIR="$CARGO_TARGET_DIR/criterion/physics" python3 - <<'PY'
import json, os
crit = os.environ["CRIT_DIR"]
py = json.loads(os.environ["PY_JSON"])
rust_ans = json.loads(os.environ["RUST_ANSWERS"])
rows = [
    ("swu_eval_x1000", "SWU evaluations", 1000),
    ("marc_solve", "MARC solves", 1),
    ("breakout_lp_solve", "breakout LP solves", 1),
    ("monte_carlo_1e6", "Monte Carlo samples", 1_000_000),
    ("breakout_routes", "route sets (optimised single cascade + staged)", 1),
    ("breakout_routes_fixed", "route sets (+ fixed cascades)", 1),
]
print()
print(f"{'workload':<20} {'Rust':>12} {'NumPy':>12} {'NumPy/Rust':>11}   Rust throughput")
for key, what, n in rows:
    with open(os.path.join(crit, key, "new", "estimates.json")) as f:
        rust_s = json.load(f)["mean"]["point_estimate"] * 1e-9
    np_s = py["seconds_per_op"][key]
    fmt = lambda s: f"{s*1e6:10.2f}µs" if s < 1e-2 else f"{s*1e3:10.2f}ms"
    print(f"{key:<20} {fmt(rust_s):>12} {fmt(np_s):>12} {np_s/rust_s:10.1f}×   {n/rust_s:,.0f} {what}/s")
print(f"(NumPy {py['numpy']}; times per operation; ratio > 1 means Rust is faster)")

def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b))
pa = py["answers"]
checks = [
    ("SWU/kg 90 % from natural", rust_ans["swu_per_kg_90pct_from_natural_at_0.3pct"], pa["swu_per_kg_90pct_from_natural_at_0.3pct"], 1e-12),
    ("breakout SWU", rust_ans["breakout_swu_kg"], pa["breakout_swu_kg"], 1e-12),
    ("breakout days", rust_ans["breakout_days"], pa["breakout_days"], 1e-12),
    ("MARC M*", rust_ans["marc_check_nu"]["m_star"], pa["marc_check_nu"]["m_star"], 1e-7),
    ("MARC L/F", rust_ans["marc_check_nu"]["flow_per_feed"], pa["marc_check_nu"]["flow_per_feed"], 1e-7),
    ("optimised tails %", rust_ans["routes"]["tails_pct"], pa["routes"]["tails_pct"], 1e-6),
    ("single-cascade SWU (optimised tails)", rust_ans["routes"]["single_swu_kg"], pa["routes"]["single_swu_kg"], 1e-9),
    ("staged SWU", rust_ans["routes"]["staged_swu_kg"], pa["routes"]["staged_swu_kg"], 1e-9),
    ("staged days", rust_ans["routes"]["staged_days"], pa["routes"]["staged_days"], 1e-9),
    ("fixed-cascade SWU", rust_ans["routes"]["fixed_swu_kg"], pa["routes"]["fixed_swu_kg"], 1e-9),
    ("fixed-cascade days", rust_ans["routes"]["fixed_days"], pa["routes"]["fixed_days"], 1e-9),
    ("fixed-cascade steps", rust_ans["routes"]["fixed_steps"], pa["routes"]["fixed_steps"], 0),
    ("MC median days (different RNGs)", rust_ans["mc_p05_median_p95_days"][1], pa["mc_p05_median_p95_days"][1], 1e-2),
]
bad = 0
print()
for name, r, p, rel in checks:
    ok = close(r, p, rel)
    bad += not ok
    print(f"{'ok ' if ok else 'BAD'} {name}: Rust {r:.10g}, NumPy {p:.10g} (rel tol {rel:g})")
raise SystemExit(1 if bad else 0)
PY
