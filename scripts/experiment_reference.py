#!/usr/bin/env python3
"""Reference values for AisleExperiment's statistics, computed with scipy and statsmodels on
synthetic data (fixed seeds), written with the data to
Tests/AisleExperimentTests/Fixtures/reference.json. The Swift tests recompute every figure from
the same data and must match to 1e-6.

Run: python3 -m venv /tmp/stats-venv && /tmp/stats-venv/bin/pip install numpy scipy statsmodels
     /tmp/stats-venv/bin/python scripts/experiment_reference.py
"""
import json
import os

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests

ALPHA = 0.05
TUNING = 5000.0


def welch(treatment, baseline):
    """scipy's Welch test, its interval, and the Bayesian and sequential figures."""
    result = stats.ttest_ind(treatment, baseline, equal_var=False)
    ci = result.confidence_interval(1 - ALPHA)
    var_t = np.var(treatment, ddof=1) / len(treatment)
    var_b = np.var(baseline, ddof=1) / len(baseline)
    se = np.sqrt(var_t + var_b)
    diff = np.mean(treatment) - np.mean(baseline)
    z = diff / se
    # Relative lift, delta method (independent arms).
    mean_t, mean_b = np.mean(treatment), np.mean(baseline)
    lift_var = var_t / mean_b**2 + mean_t**2 * var_b / mean_b**4
    zq = stats.norm.ppf(1 - ALPHA / 2)
    # GrowthBook's asymptotic confidence sequence.
    n = len(treatment) + len(baseline)
    rho2 = (-2 * np.log(ALPHA) + np.log(-2 * np.log(ALPHA) + 1)) / TUNING
    s2 = se**2 * n
    half = np.sqrt(s2) * np.sqrt(2 * (n * rho2 + 1) / (n**2 * rho2) * np.log(np.sqrt(n * rho2 + 1) / ALPHA))
    return {
        "difference": float(diff),
        "ci": [float(ci.low), float(ci.high)],
        "p_value": float(result.pvalue),
        "df": float(result.df),
        "standard_error": float(se),
        "lift": float(mean_t / mean_b - 1),
        "lift_ci": [float(mean_t / mean_b - 1 - zq * np.sqrt(lift_var)), float(mean_t / mean_b - 1 + zq * np.sqrt(lift_var))],
        "chance_to_beat": float(stats.norm.cdf(z)),
        "expected_loss": float(se * stats.norm.pdf(z) - diff * stats.norm.cdf(-z)),
        "sequential_ci": [float(diff - half), float(diff + half)],
    }


def main():
    rng = np.random.default_rng(20261202)
    cases = {}

    # Conversion (binary per user).
    control = (rng.random(1500) < 0.10).astype(float)
    treatment = (rng.random(1400) < 0.12).astype(float)
    cases["conversion"] = {"baseline": control.tolist(), "treatment": treatment.tolist(), "welch": welch(treatment, control)}

    # Revenue: most users buy nothing, buyers log-normal; winsorised at the 99th percentile of
    # both arms together.
    def revenue(n, rate, mu):
        buys = rng.random(n) < rate
        return np.where(buys, np.round(rng.lognormal(mu, 1.0, n), 2), 0.0)

    control = revenue(800, 0.3, 3.0)
    treatment = revenue(850, 0.32, 3.1)
    both = np.concatenate([control, treatment])
    cap = float(np.percentile(both, 99))
    cases["revenue"] = {
        "baseline": control.tolist(),
        "treatment": treatment.tolist(),
        "winsor_percentile": 99.0,
        "winsor_cap": cap,
        "welch": welch(np.minimum(treatment, cap), np.minimum(control, cap)),
    }

    # CUPED: y depends on the pre-period x; the adjusted arrays go through scipy.
    x_b = rng.normal(10, 3, 500)
    x_t = rng.normal(10, 3, 520)
    y_b = 0.8 * x_b + rng.normal(0, 2, 500)
    y_t = 0.8 * x_t + 0.4 + rng.normal(0, 2, 520)
    x_all = np.concatenate([x_b, x_t])
    y_all = np.concatenate([y_b, y_t])
    theta = np.cov(y_all, x_all, ddof=1)[0, 1] / np.var(x_all, ddof=1)
    adj_b = y_b - theta * (x_b - x_all.mean())
    adj_t = y_t - theta * (x_t - x_all.mean())
    cases["cuped"] = {
        "baseline_y": y_b.tolist(),
        "baseline_x": x_b.tolist(),
        "treatment_y": y_t.tolist(),
        "treatment_x": x_t.tolist(),
        "theta": float(theta),
        "welch": welch(adj_t, adj_b),
        "unadjusted": welch(y_t, y_b),
    }

    # Ratio metric (revenue per order), delta method per arm, then a normal test.
    def ratio_arm(n, orders_mean, value_mean):
        orders = rng.poisson(orders_mean, n).astype(float)
        value = np.array([np.sum(rng.gamma(2.0, value_mean / 2, int(k))) for k in orders])
        return np.round(value, 2), orders

    y_b, x_b = ratio_arm(700, 1.2, 40.0)
    y_t, x_t = ratio_arm(720, 1.2, 44.0)

    def delta(y, x):
        n = len(y)
        my, mx = y.mean(), x.mean()
        vy, vx = np.var(y, ddof=1), np.var(x, ddof=1)
        cov = np.cov(y, x, ddof=1)[0, 1]
        return my / mx, (vy / mx**2 - 2 * my * cov / mx**3 + my**2 * vx / mx**4) / n

    r_b, v_b = delta(y_b, x_b)
    r_t, v_t = delta(y_t, x_t)
    se = np.sqrt(v_b + v_t)
    cases["ratio"] = {
        "baseline_y": y_b.tolist(),
        "baseline_x": x_b.tolist(),
        "treatment_y": y_t.tolist(),
        "treatment_x": x_t.tolist(),
        "baseline_ratio": float(r_b),
        "baseline_ratio_variance": float(v_b),
        "treatment_ratio": float(r_t),
        "treatment_ratio_variance": float(v_t),
        "difference_ci": [float(r_t - r_b - stats.norm.ppf(0.975) * se), float(r_t - r_b + stats.norm.ppf(0.975) * se)],
    }

    srm = []
    for counts, weights in [([5000, 5100], [1, 1]), ([5000, 5400], [1, 1]), ([3300, 3350, 3410], [1, 1, 1]), ([2000, 7900], [1, 4])]:
        expected = np.array(weights, dtype=float) / sum(weights) * sum(counts)
        srm.append({"counts": counts, "weights": weights, "p_value": float(stats.chisquare(counts, expected).pvalue)})

    holm = []
    for pvals in [[0.01, 0.04, 0.03], [0.002, 0.2, 0.04, 0.01], [0.5, 0.049]]:
        holm.append({"p_values": pvals, "adjusted": multipletests(pvals, method="holm")[1].tolist()})

    distributions = {
        "normal_cdf": [[z, float(stats.norm.cdf(z))] for z in [-8.0, -3.2, -1.96, -0.5, 0.0, 0.7, 2.5, 6.0]],
        "normal_ppf": [[p, float(stats.norm.ppf(p))] for p in [1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]],
        "t_cdf": [[t, df, float(stats.t.cdf(t, df))] for t, df in [(-3.0, 2.5), (-1.0, 7.0), (0.4, 1.0), (2.2, 15.3), (1.96, 1000.0), (-4.5, 60.0)]],
        "t_ppf": [[p, df, float(stats.t.ppf(p, df))] for p, df in [(0.975, 1.0), (0.975, 3.7), (0.025, 12.0), (0.9, 45.5), (0.995, 2000.0), (0.6, 5.0)]],
        "chi2_sf": [[x, k, float(stats.chi2.sf(x, k))] for x, k in [(0.5, 1), (3.84, 1), (10.0, 2), (25.0, 3), (1.0, 5), (80.0, 4)]],
        "beta_ppf": [[p, a, b, float(stats.beta.ppf(p, a, b))] for p, a, b in [(0.025, 11, 91), (0.975, 11, 91), (0.5, 1, 1), (0.025, 2, 500), (0.975, 300, 40)]],
    }

    out = {
        "produced_by": "scripts/experiment_reference.py",
        "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
        "alpha": ALPHA,
        "sequential_tuning": TUNING,
        "cases": cases,
        "srm": srm,
        "holm": holm,
        "distributions": distributions,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "Tests", "AisleExperimentTests", "Fixtures", "reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
