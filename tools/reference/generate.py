#!/usr/bin/env python3
"""Reference values for Trustloop's statistics layer (crates/domain/src/stats.rs).

Every number the Rust test `crates/domain/tests/stats_reference.rs` checks comes from this script,
computed by independent implementations:

* scipy (t distribution, Welch's t-test, percentile ranks, Pearson correlations, one-way ANOVA,
  non-central t distribution),
* pingouin (Cronbach's alpha, intraclass correlations, t-tests, power of the two-sample t-test,
  ANOVA mean squares),
* factor_analyzer (one-factor MINRES loadings, from which McDonald's omega is formed),
* and, where no package offers the statistic (rwg, rwg(j), awg, ICC for unbalanced groups,
  Spearman-Brown, omega from an iterated principal-axis solution), a plain numpy implementation
  written here from the published formulas, separately from the Rust code.

Data: the real data sets that pingouin ships (`pingouin.read_dataset`) and generated data with
known structure (fixed seeds).

Usage:
    python tools/reference/generate.py           # (re)write the fixtures
    python tools/reference/generate.py --check   # recompute and compare with the committed ones
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import scipy
from factor_analyzer import FactorAnalyzer
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "domain" / "tests" / "fixtures" / "stats"

VERSIONS = {
    "python": sys.version.split()[0],
    "numpy": np.__version__,
    "scipy": scipy.__version__,
    "pandas": pd.__version__,
    "pingouin": pg.__version__,
    "factor_analyzer": version("factor_analyzer"),
    "scikit-learn": version("scikit-learn"),
    "statsmodels": version("statsmodels"),
}


def f(x) -> float | None:
    """A plain float for JSON; None for NaN (the Rust side must then refuse to give a number)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def floats(xs) -> list:
    return [f(x) for x in xs]


def document(source: str, cases: list) -> dict:
    return {"generated_by": "tools/reference/generate.py", "source": source, "versions": VERSIONS, "cases": cases}


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def wide_cronbach() -> np.ndarray:
    """pingouin 'cronbach_alpha': 15 respondents x 10 items on a 1-7 scale."""
    d = pg.read_dataset("cronbach_alpha").pivot(index="Subj", columns="Items", values="Scores")
    d = d[sorted(d.columns, key=lambda c: int(c[1:]))]
    return d.to_numpy(float)


def likert(latent: np.ndarray, points: int = 5) -> np.ndarray:
    """Cuts a standard-normal latent variable into 1..points at equally likely thresholds."""
    cuts = stats.norm.ppf(np.arange(1, points) / points)
    return 1.0 + np.searchsorted(cuts, latent).astype(float)


def congeneric(rng, n: int, loadings: np.ndarray) -> np.ndarray:
    """Standardised items x_j = l_j * F + sqrt(1 - l_j^2) * e_j."""
    factor = rng.standard_normal(n)
    noise = rng.standard_normal((n, len(loadings)))
    return factor[:, None] * loadings[None, :] + noise * np.sqrt(1 - loadings**2)[None, :]


# --------------------------------------------------------------------------------------------
# Independent numpy implementations (written from the papers, not from the Rust code)
# --------------------------------------------------------------------------------------------


def paf_one_factor(r: np.ndarray, tol: float = 1e-14, max_iter: int = 100_000):
    """Iterated principal-axis factoring, one factor; its fixed point is the ULS/MINRES solution."""
    h = 1 - 1 / np.diag(np.linalg.inv(r))
    for _ in range(max_iter):
        rs = r.copy()
        np.fill_diagonal(rs, h)
        w, v = np.linalg.eigh(rs)
        lam = v[:, -1] * math.sqrt(max(w[-1], 0.0))
        if lam.sum() < 0:
            lam = -lam
        new = lam**2
        if np.max(np.abs(new - h)) < tol:
            return lam
        h = new
    raise RuntimeError("principal-axis factoring did not converge")


def omega_from_loadings(lam: np.ndarray) -> float:
    common = lam.sum() ** 2
    return common / (common + (1 - lam**2).sum())


def rwg_single(x: np.ndarray, null_var: float) -> float:
    s2 = np.var(x, ddof=1)
    return 0.0 if s2 > null_var else 1 - s2 / null_var


def rwg_j(items: list[np.ndarray], null_var: float) -> float:
    j = len(items)
    mean_var = np.mean([np.var(x, ddof=1) for x in items])
    if mean_var > null_var:
        return 0.0
    ratio = mean_var / null_var
    return j * (1 - ratio) / (j * (1 - ratio) + ratio)


def awg_single(x: np.ndarray, low: float, high: float) -> float | None:
    k = len(x)
    m = x.mean()
    max_var = ((high + low) * m - m**2 - high * low) * (k / (k - 1))
    if max_var <= 0:
        return None
    return 1 - 2 * np.var(x, ddof=1) / max_var


def icc_oneway(groups: list[np.ndarray]) -> dict:
    sizes = np.array([len(g) for g in groups], float)
    n_total, g = sizes.sum(), len(groups)
    grand = np.concatenate(groups).mean()
    ssb = sum(len(x) * (x.mean() - grand) ** 2 for x in groups)
    ssw = sum(((x - x.mean()) ** 2).sum() for x in groups)
    msb, msw = ssb / (g - 1), ssw / (n_total - g)
    n0 = (n_total - (sizes**2).sum() / n_total) / (g - 1)
    return {
        "n0": n0,
        "ms_between": msb,
        "ms_within": msw,
        "icc1": (msb - msw) / (msb + (n0 - 1) * msw),
        "icc2": (msb - msw) / msb,
    }


def spearman_brown(rho: float, k: float) -> float:
    return k * rho / (1 + (k - 1) * rho)


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


def summary_fixture() -> dict:
    rng = np.random.default_rng(20250101)
    samples = []
    anova = pg.read_dataset("anova")
    for color, d in anova.groupby("Hair color", sort=True):
        samples.append((f"pingouin anova: pain threshold, {color}", d["Pain threshold"].to_numpy(float)))
    tips = pg.read_dataset("tips")
    samples.append(("pingouin tips: total_bill", tips["total_bill"].to_numpy(float)))
    for day, d in tips.groupby("day", sort=True):
        samples.append((f"pingouin tips: tip on {day}", d["tip"].to_numpy(float)))
    samples.append(("two raters", np.array([62.5, 87.5])))
    samples.append(("three raters, two agree", np.array([75.0, 75.0, 50.0])))
    samples.append(("identical answers", np.array([75.0] * 4)))
    for n in (3, 5, 8, 12, 30):
        samples.append((f"generated normal n={n}", np.round(rng.normal(68, 14, n), 3)))
    samples.append(("generated likert 0-100 n=9", (likert(rng.standard_normal(9)) - 1) * 25))
    cases = []
    for name, x in samples:
        n = len(x)
        mean = x.mean()
        sd = np.std(x, ddof=1)
        se = stats.sem(x)
        intervals = []
        for level in (0.8, 0.9, 0.95, 0.99):
            if sd == 0:
                lo = hi = mean
            else:
                lo, hi = stats.t.interval(level, n - 1, loc=mean, scale=se)
            intervals.append({"level": level, "low": f(lo), "high": f(hi)})
        cases.append(
            {
                "name": name,
                "values": floats(x),
                "n": n,
                "mean": f(mean),
                "sd": f(sd),
                "se": f(se),
                "min": f(x.min()),
                "max": f(x.max()),
                "intervals": intervals,
            }
        )
    return document("scipy.stats (t.interval, sem), numpy", cases)


def t_quantile_fixture() -> dict:
    cases = []
    for df in (1, 1.5, 2, 3, 4, 7.3, 10, 29, 120, 1000):
        for p in (0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.025, 0.1):
            cases.append({"p": p, "df": df, "quantile": f(stats.t.ppf(p, df))})
    return document("scipy.stats.t.ppf", cases)


def spearman_brown_fixture() -> dict:
    cases = []
    # (a) pingouin: on balanced data ICC1k is computed from the mean squares, independently of the
    # Spearman-Brown formula; SB(ICC1, k) must equal it.
    icc = pg.intraclass_corr(pg.read_dataset("icc"), targets="Wine", raters="Judge", ratings="Scores")
    icc = icc.set_index("Type")
    cases.append(
        {
            "name": "pingouin icc: ICC1 stepped up to ICC1k (4 judges)",
            "reliability_one": f(icc.loc["ICC(1,1)", "ICC"]),
            "k": 4.0,
            "expected": f(icc.loc["ICC(1,k)", "ICC"]),
        }
    )
    rng = np.random.default_rng(7)
    groups = [rng.normal(rng.normal(0, 0.6), 1, 6) for _ in range(15)]
    long = pd.DataFrame(
        [(g, j, v) for g, xs in enumerate(groups) for j, v in enumerate(xs)], columns=["t", "r", "y"]
    )
    icc = pg.intraclass_corr(long, targets="t", raters="r", ratings="y").set_index("Type")
    cases.append(
        {
            "name": "generated 15 groups x 6: ICC1 stepped up to ICC1k",
            "reliability_one": f(icc.loc["ICC(1,1)", "ICC"]),
            "k": 6.0,
            "expected": f(icc.loc["ICC(1,k)", "ICC"]),
        }
    )
    # (b) closed form over a grid.
    for rho in (0.05, 0.19, 0.3, 0.5, 0.7, 0.9):
        for k in (0.5, 1, 2, 3.5, 10, 40):
            cases.append({"name": "closed form", "reliability_one": rho, "k": float(k), "expected": f(spearman_brown(rho, k))})
    needed = []
    for rho in (0.05, 0.19, 0.3, 0.5, 0.7, 0.8):
        for target in (0.5, 0.7, 0.8, 0.9):
            exact = target * (1 - rho) / (rho * (1 - target))
            needed.append(
                {
                    "reliability_one": rho,
                    "target": target,
                    "exact": f(exact),
                    "raters": int(math.ceil(exact - 1e-9)),
                }
            )
    return {**document("pingouin.intraclass_corr; closed form (numpy)", cases), "raters_needed": needed}


def reliability_fixture() -> dict:
    cases = []
    rng = np.random.default_rng(42)
    sets = [("pingouin cronbach_alpha: 15 x 10, scale 1-7", wide_cronbach())]
    missing = pg.read_dataset("cronbach_wide_missing").to_numpy(float)
    sets.append(("pingouin cronbach_wide_missing (listwise)", missing))
    loadings = np.array([0.8, 0.7, 0.6, 0.5, 0.4, 0.7])
    sets.append(("generated congeneric n=400, 6 items, continuous", congeneric(rng, 400, loadings)))
    sets.append(("generated congeneric n=250, 6 items, 5-point", likert(congeneric(rng, 250, loadings))))
    sets.append(("generated tau-equivalent n=60, 4 items, 5-point", likert(congeneric(rng, 60, np.full(4, 0.75)))))
    sets.append(("generated weak items n=30, 5 items, 5-point", likert(congeneric(rng, 30, np.array([0.5, 0.3, 0.2, 0.4, 0.1])))))
    for name, x in sets:
        complete = x[~np.isnan(x).any(axis=1)]
        df = pd.DataFrame(x)
        alpha_pg, _ = pg.cronbach_alpha(data=df, nan_policy="listwise")
        # Feldt's interval. pingouin rounds it to three decimals, and takes n before listwise
        # deletion, so it is given the complete rows; scipy's F quantiles give it in full.
        n_complete, k_items = complete.shape
        _, ci95_pg = pg.cronbach_alpha(data=pd.DataFrame(complete), ci=0.95)
        df1, df2 = n_complete - 1, (n_complete - 1) * (k_items - 1)

        def feldt(level: float) -> list:
            tail = (1 - level) / 2
            return floats([1 - (1 - alpha_pg) * stats.f.isf(tail, df1, df2), 1 - (1 - alpha_pg) * stats.f.isf(1 - tail, df1, df2)])

        k = complete.shape[1]
        item_total = []
        for j in range(k):
            rest = np.delete(complete, j, axis=1).sum(axis=1)
            item_total.append(f(stats.pearsonr(complete[:, j], rest).statistic))
        if complete.shape[0] > k:
            r = np.corrcoef(complete, rowvar=False)
            lam = paf_one_factor(r)
            fa = FactorAnalyzer(n_factors=1, rotation=None, method="minres")
            fa.fit(complete)
            lam_fa = fa.loadings_[:, 0]
            if lam_fa.sum() < 0:
                lam_fa = -lam_fa
            assert np.max(np.abs(lam_fa - lam)) < 1e-4, (name, lam_fa, lam)
            omega_fa, omega_np = omega_from_loadings(lam_fa), omega_from_loadings(lam)
        else:
            # Fewer respondents than items: the correlation matrix is singular and a factor model
            # is not estimable; Trustloop refuses to give an omega (null here).
            lam = lam_fa = np.array([])
            omega_fa = omega_np = None
        cases.append(
            {
                "name": name,
                "rows": [[f(v) for v in row] for row in x],
                "complete_rows": int(complete.shape[0]),
                "alpha": f(alpha_pg),
                "alpha_ci95_pingouin": floats(ci95_pg),
                "alpha_ci95_feldt_scipy": feldt(0.95),
                "alpha_ci90_feldt_scipy": feldt(0.90),
                "item_total": item_total,
                "loadings_minres_factor_analyzer": floats(lam_fa),
                "omega_factor_analyzer": f(omega_fa),
                "loadings_paf_numpy": floats(lam),
                "omega_paf_numpy": f(omega_np),
            }
        )
    # Population matrices with known loadings: omega is known in closed form.
    population = []
    for lam in ([0.8, 0.7, 0.6, 0.5, 0.4, 0.7], [0.75] * 4, [0.9, 0.3, 0.5], [0.6, 0.6, 0.5, 0.5, 0.4, 0.4, 0.3, 0.3]):
        lam = np.array(lam)
        r = np.outer(lam, lam)
        np.fill_diagonal(r, 1.0)
        population.append(
            {
                "loadings": floats(lam),
                "correlation": [floats(row) for row in r],
                "omega": f(omega_from_loadings(lam)),
            }
        )
    return {
        **document(
            "pingouin.cronbach_alpha (with its Feldt interval); scipy.stats.f.isf (the same interval "
            "unrounded); scipy.stats.pearsonr (item vs rest); factor_analyzer MINRES and "
            "numpy iterated principal axis for the one-factor loadings",
            cases,
        ),
        "population": population,
    }


def agreement_fixture() -> dict:
    cases = []
    # (a) real: each wine in pingouin 'icc' rated by 4 judges on 0-9 (10 options), one item.
    wine = pg.read_dataset("icc")
    for w, d in wine.groupby("Wine", sort=True):
        cases.append({"name": f"pingouin icc: wine {w}", "min": 0.0, "max": 9.0, "options": 10, "items": [floats(d["Scores"])]})
    # (b) real: the 15 respondents of 'cronbach_alpha' as one group, 10 items on 1-7.
    x = wide_cronbach()
    cases.append({"name": "pingouin cronbach_alpha as one group", "min": 1.0, "max": 7.0, "options": 7, "items": [floats(c) for c in x.T]})
    # (c) generated groups with known structure on the 1-5 scale.
    rng = np.random.default_rng(99)
    def group(true_score: float, noise: float, raters: int, items: int) -> list:
        out = []
        for _ in range(items):
            latent = true_score + rng.normal(0, noise, raters)
            out.append(floats(np.clip(np.round(latent), 1, 5)))
        return out
    cases.append({"name": "generated close agreement, 8 raters x 5 items", "min": 1.0, "max": 5.0, "options": 5, "items": group(4.0, 0.5, 8, 5)})
    cases.append({"name": "generated moderate agreement, 5 raters x 4 items", "min": 1.0, "max": 5.0, "options": 5, "items": group(3.5, 1.0, 5, 4)})
    cases.append({"name": "generated random answers, 10 raters x 6 items", "min": 1.0, "max": 5.0, "options": 5,
                  "items": [floats(rng.integers(1, 6, 10)) for _ in range(6)]})
    cases.append({"name": "generated split camps (variance above the null)", "min": 1.0, "max": 5.0, "options": 5,
                  "items": [[1.0, 1.0, 5.0, 5.0, 1.0, 5.0], [1.0, 2.0, 5.0, 5.0, 1.0, 4.0]]})
    cases.append({"name": "generated unequal answers per item (can't say left out)", "min": 1.0, "max": 5.0, "options": 5,
                  "items": [[4.0, 5.0, 4.0, 4.0, 3.0], [4.0, 4.0, 5.0], [2.0, 4.0, 4.0, 5.0, 4.0, 3.0]]})
    cases.append({"name": "generated one item at the top of the scale", "min": 1.0, "max": 5.0, "options": 5,
                  "items": [[5.0, 5.0, 5.0, 5.0], [4.0, 5.0, 4.0, 5.0], [3.0, 4.0, 5.0, 4.0]]})
    cases.append({"name": "generated 0-100 scale in steps of 25", "min": 0.0, "max": 100.0, "options": 5,
                  "items": [[75.0, 50.0, 75.0, 100.0], [50.0, 50.0, 75.0, 75.0]]})
    for c in cases:
        step = (c["max"] - c["min"]) / (c["options"] - 1)
        null_var = step**2 * (c["options"] ** 2 - 1) / 12
        items = [np.array(i) for i in c["items"]]
        c["null_variance"] = f(null_var)
        c["rwg"] = [f(rwg_single(i, null_var)) for i in items]
        c["rwg_j"] = f(rwg_j(items, null_var))
        c["awg"] = [f(awg_single(i, c["min"], c["max"])) for i in items]
        defined = [a for a in c["awg"] if a is not None]
        c["awg_j"] = f(np.mean(defined)) if defined else None
        c["awg_items_used"] = len(defined)
    return document("numpy, from James, Demaree & Wolf (1984) and Brown & Hauenstein (2005)", cases)


def icc_fixture() -> dict:
    cases = []
    # (a) balanced, real: pingouin 'icc' (8 wines x 4 judges), wines are the groups.
    wine = pg.read_dataset("icc")
    sets = [("pingouin icc: 8 wines x 4 judges", [d["Scores"].to_numpy(float) for _, d in wine.groupby("Wine", sort=True)], wine, "Wine", "Judge", "Scores")]
    rng = np.random.default_rng(2024)
    balanced = [rng.normal(rng.normal(3.5, 0.4), 0.8, 5) for _ in range(12)]
    long = pd.DataFrame([(g, j, v) for g, xs in enumerate(balanced) for j, v in enumerate(xs)], columns=["t", "r", "y"])
    sets.append(("generated balanced 12 teams x 5, true ICC(1) = .2", balanced, long, "t", "r", "y"))
    for name, groups, long, targets, raters, ratings in sets:
        icc = pg.intraclass_corr(long, targets=targets, raters=raters, ratings=ratings).set_index("Type")
        mine = icc_oneway(groups)
        assert abs(mine["icc1"] - icc.loc["ICC(1,1)", "ICC"]) < 1e-12
        assert abs(mine["icc2"] - icc.loc["ICC(1,k)", "ICC"]) < 1e-12
        cases.append(
            {
                "name": name,
                "groups": [floats(g) for g in groups],
                "icc1": f(icc.loc["ICC(1,1)", "ICC"]),
                "icc2": f(icc.loc["ICC(1,k)", "ICC"]),
                "f": f(icc.loc["ICC(1,1)", "F"]),
                "df_between": f(icc.loc["ICC(1,1)", "df1"]),
                "df_within": f(icc.loc["ICC(1,1)", "df2"]),
                "p_value": f(icc.loc["ICC(1,1)", "pval"]),
                "n0": f(mine["n0"]),
                "ms_between": f(mine["ms_between"]),
                "ms_within": f(mine["ms_within"]),
                "reference": "pingouin.intraclass_corr (ICC1, ICC1k)",
            }
        )
    # (b) unbalanced: pingouin.anova for mean squares, scipy f_oneway for F and p, numpy for n0/ICC.
    anova = pg.read_dataset("anova")
    unbalanced = [("pingouin anova: pain threshold by hair color (5,5,5,4)", [d["Pain threshold"].to_numpy(float) for _, d in anova.groupby("Hair color", sort=True)])]
    sizes = [3, 4, 4, 5, 6, 6, 7, 8, 9, 10, 12, 3, 5, 7, 11, 4, 6, 8, 5, 9]
    unbalanced.append(("generated 20 teams of 3-12, 1-5 ratings", [np.clip(np.round(rng.normal(rng.normal(3.6, 0.45), 0.9, n)), 1, 5) for n in sizes]))
    unbalanced.append(("generated 6 teams of 2-9, no team effect", [rng.normal(70, 12, n) for n in (2, 9, 4, 3, 7, 5)]))
    unbalanced.append(("tips: total_bill by day (unequal days)", [d["total_bill"].to_numpy(float) for _, d in pg.read_dataset("tips").groupby("day", sort=True)]))
    for name, groups in unbalanced:
        long = pd.DataFrame([(g, v) for g, xs in enumerate(groups) for v in xs], columns=["g", "y"])
        aov = pg.anova(data=long, dv="y", between="g", detailed=True).set_index("Source")
        fo = stats.f_oneway(*groups)
        mine = icc_oneway(groups)
        assert abs(aov.loc["g", "MS"] - mine["ms_between"]) < 1e-9 * max(1, mine["ms_between"])
        assert abs(aov.loc["Within", "MS"] - mine["ms_within"]) < 1e-9 * max(1, mine["ms_within"])
        cases.append(
            {
                "name": name,
                "groups": [floats(g) for g in groups],
                "icc1": f(mine["icc1"]),
                "icc2": f(mine["icc2"]),
                "f": f(fo.statistic),
                "df_between": float(len(groups) - 1),
                "df_within": float(sum(len(g) for g in groups) - len(groups)),
                "p_value": f(fo.pvalue),
                "n0": f(mine["n0"]),
                "ms_between": f(aov.loc["g", "MS"]),
                "ms_within": f(aov.loc["Within", "MS"]),
                "reference": "pingouin.anova (mean squares), scipy.stats.f_oneway (F, p), numpy (n0, ICC)",
            }
        )
    return document("pingouin.intraclass_corr, pingouin.anova, scipy.stats.f_oneway, numpy", cases)


def change_fixture() -> dict:
    pairs = []
    rm = pg.read_dataset("rm_anova2")
    for metric, d in rm.groupby("Metric", sort=True):
        pre = d[d["Time"] == "Pre"]["Performance"].to_numpy(float)
        post = d[d["Time"] == "Post"]["Performance"].to_numpy(float)
        pairs.append((f"pingouin rm_anova2: {metric}, pre -> post", pre, post))
    tips = pg.read_dataset("tips")
    pairs.append(("pingouin tips: total_bill, female -> male", tips[tips.sex == "Female"].total_bill.to_numpy(float), tips[tips.sex == "Male"].total_bill.to_numpy(float)))
    anova = pg.read_dataset("anova")
    g = {k: d["Pain threshold"].to_numpy(float) for k, d in anova.groupby("Hair color")}
    pairs.append(("pingouin anova: dark brunette -> light blond (4 vs 5)", g["Dark Brunette"], g["Light Blond"]))
    rng = np.random.default_rng(31337)
    pairs.append(("two vs three raters", np.array([50.0, 75.0]), np.array([75.0, 100.0, 75.0])))
    pairs.append(("one constant side", np.array([75.0, 75.0, 75.0]), np.array([50.0, 75.0, 100.0, 75.0])))
    for n1, n2, s1, s2, shift in ((3, 3, 10, 10, 5), (8, 12, 8, 20, 10), (30, 25, 15, 15, 0), (6, 40, 25, 10, -7), (100, 90, 18, 18, 4)):
        pairs.append((f"generated n={n1}/{n2} sd={s1}/{s2} shift={shift}", np.round(rng.normal(60, s1, n1), 2), np.round(rng.normal(60 + shift, s2, n2), 2)))
    cases = []
    for name, first, second in pairs:
        res = stats.ttest_ind(second, first, equal_var=False)
        ref = pg.ttest(second, first, correction=True).iloc[0]
        assert abs(ref["T"] - res.statistic) < 1e-9 and abs(ref["p_val"] - res.pvalue) < 1e-12, name
        intervals = []
        for level in (0.9, 0.95, 0.99):
            ci = res.confidence_interval(confidence_level=level)
            intervals.append({"level": level, "low": f(ci.low), "high": f(ci.high)})
        cases.append(
            {
                "name": name,
                "first": floats(first),
                "second": floats(second),
                "difference": f(second.mean() - first.mean()),
                "t": f(res.statistic),
                "df": f(res.df),
                "p_value": f(res.pvalue),
                "intervals": intervals,
            }
        )
    power = []
    for n1, n2 in ((2, 2), (2, 3), (3, 3), (3, 5), (4, 4), (5, 5), (8, 10), (10, 10), (12, 7), (20, 20), (50, 40), (200, 150)):
        d = pg.power_ttest2n(nx=n1, ny=n2, power=0.8, alpha=0.05)
        for sd in (1.0, 12.5, 20.0):
            power.append({"n1": n1, "n2": n2, "sd": sd, "alpha": 0.05, "power": 0.8, "effect_size": f(d), "mdd": f(d * sd)})
    for n1, n2, alpha, target in ((10, 10, 0.1, 0.9), (6, 9, 0.01, 0.8), (25, 25, 0.05, 0.5)):
        d = pg.power_ttest2n(nx=n1, ny=n2, power=target, alpha=alpha)
        power.append({"n1": n1, "n2": n2, "sd": 1.0, "alpha": alpha, "power": target, "effect_size": f(d), "mdd": f(d)})
    achieved = []
    for n1, n2, d in ((5, 5, 0.5), (5, 5, 2.0), (20, 15, 0.5), (3, 4, 1.2), (40, 40, 0.3)):
        achieved.append({"n1": n1, "n2": n2, "d": d, "alpha": 0.05, "power": f(pg.power_ttest2n(nx=n1, ny=n2, d=d, alpha=0.05))})
    nct = []
    for df in (1.0, 2.0, 3.5, 8.0, 18.0, 60.0):
        for nc in (-2.0, 0.0, 0.5, 2.8, 6.0):
            for t in (-4.0, -1.0, 0.0, 0.7, 2.1, 5.0):
                cdf = stats.nct.cdf(t, df, nc)
                if math.isnan(cdf):
                    # scipy gives NaN far in the lower tail (about 1e-20 here); leave those out.
                    continue
                nct.append({"t": t, "df": df, "nc": nc, "cdf": f(cdf)})
    return {
        **document("scipy.stats.ttest_ind(equal_var=False), cross-checked with pingouin.ttest(correction=True); pingouin.power_ttest2n; scipy.stats.nct", cases),
        "detectable": power,
        "power": achieved,
        "noncentral_t": nct,
    }


def percentile_fixture() -> dict:
    cases = []
    tips = pg.read_dataset("tips")["total_bill"].to_numpy(float)
    rng = np.random.default_rng(5)
    scores = np.round(rng.normal(65, 12, 40) / 2.5) * 2.5
    sets = [
        ("pingouin tips: total_bill", tips, [3.07, 10.0, 17.795, 20.0, 50.81, 2.0, 60.0, 13.42]),
        ("generated leader scores with ties", scores, [65.0, 50.0, 80.0, float(scores.min()), float(scores.max()), 63.3]),
        ("single value", np.array([70.0]), [70.0, 69.0, 71.0]),
    ]
    for name, dist, values in sets:
        cases.append({"name": name, "distribution": floats(dist), "values": values,
                      "ranks": [f(stats.percentileofscore(dist, v, kind="mean")) for v in values]})
    return document("scipy.stats.percentileofscore(kind='mean')", cases)


def proportion_fixture() -> dict:
    """Wilson intervals (the say-do ratio) and Pearson's r with its Fisher-z interval (the
    association between say-do ratio and consistency across leaders)."""
    wilson = []
    for successes, n in [(0, 1), (1, 1), (0, 12), (12, 12), (7, 10), (1, 3), (18, 25), (3, 40),
                         (97, 100), (250, 499), (1, 1000)]:
        for level in (0.95, 0.9):
            low, high = proportion_confint(successes, n, alpha=1 - level, method="wilson")
            wilson.append({"successes": successes, "n": n, "level": level, "interval": [f(low), f(high)]})
    rng = np.random.default_rng(26)
    correlations = []
    for name, n, rho in [("weak, 5 leaders", 5, 0.2), ("moderate, 40 leaders", 40, 0.45),
                         ("strong, 300 leaders", 300, 0.8), ("negative, 12 leaders", 12, -0.5)]:
        ratio = rng.uniform(0.2, 1.0, n)
        consistency = 50 + 40 * rho * (ratio - 0.6) / 0.23 + rng.normal(0, 10 * math.sqrt(1 - rho ** 2), n)
        result = stats.pearsonr(ratio, consistency)
        interval = {}
        for level in (0.95, 0.9):
            ci = result.confidence_interval(level)
            interval[str(level)] = [f(ci.low), f(ci.high)]
        correlations.append({"name": name, "x": floats(ratio), "y": floats(consistency),
                             "r": f(result.statistic), "intervals": interval})
    return document("statsmodels proportion_confint(method='wilson'); "
                    "scipy.stats.pearsonr(...).confidence_interval (Fisher z)",
                    [{"name": "wilson", "intervals": wilson}, {"name": "pearson", "correlations": correlations}])


def pulse_fixture() -> dict:
    """Pulse rounds from item answers (1-5, None for "can't say") to each measure's mean and
    Student-t interval per round, and Welch's test between consecutive rounds, written here from
    docs/scoring.md section 1 (element score (x - 1) / 4 * 100; Trust Index weighted .4/.3/.3,
    rescaled when an element is missing) with scipy for the statistics."""
    rng = np.random.default_rng(25)
    weights = {"relationships": 0.4, "judgement": 0.3, "consistency": 0.3}
    items = ["relationships", "judgement", "consistency", "overall"]
    rounds = []
    for invited, answered, centre in ((9, 7, 4.1), (9, 8, 3.9), (10, 6, 3.0), (10, 9, 3.6)):
        answers = []
        for _ in range(answered):
            row = {}
            for item in items:
                if rng.random() < 0.08:
                    row[item] = None
                else:
                    row[item] = int(np.clip(np.round(rng.normal(centre, 0.8)), 1, 5))
            answers.append(row)
        rounds.append({"invited": invited, "answers": answers})

    def scores(row):
        out = {}
        for item in items:
            if row[item] is not None:
                out[item] = (row[item] - 1) / 4 * 100
        present = [e for e in weights if e in out]
        if present:
            w = sum(weights[e] for e in present)
            out["trust_index"] = sum(weights[e] * out[e] for e in present) / w
        return out

    measures = ["trust_index"] + items
    for r in rounds:
        per = [scores(row) for row in r["answers"]]
        r["measures"] = {}
        for m in measures:
            values = np.array([p[m] for p in per if m in p])
            low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
            r["measures"][m] = {"n": len(values), "mean": f(values.mean()), "ci95": [f(low), f(high)], "values": floats(values)}
    changes = []
    for i in range(1, len(rounds)):
        for m in measures:
            a = np.array(rounds[i - 1]["measures"][m]["values"])
            b = np.array(rounds[i]["measures"][m]["values"])
            res = stats.ttest_ind(b, a, equal_var=False)
            ci = res.confidence_interval(confidence_level=0.95)
            changes.append({"from": i - 1, "to": i, "measure": m, "difference": f(b.mean() - a.mean()),
                            "p_value": f(res.pvalue), "ci95": [f(ci.low), f(ci.high)]})
    for r in rounds:
        for m in r["measures"].values():
            del m["values"]
    return document("docs/scoring.md section 1 in numpy; scipy.stats.t.interval, ttest_ind(equal_var=False)",
                    [{"name": "pulse rounds", "rounds": rounds, "changes": changes}])


FIXTURES = {
    "summary.json": summary_fixture,
    "t_quantile.json": t_quantile_fixture,
    "spearman_brown.json": spearman_brown_fixture,
    "reliability.json": reliability_fixture,
    "agreement.json": agreement_fixture,
    "icc.json": icc_fixture,
    "change.json": change_fixture,
    "percentile.json": percentile_fixture,
    "proportion.json": proportion_fixture,
    "pulse.json": pulse_fixture,
}


def dump(data: dict) -> str:
    """Indented JSON with lists of plain numbers kept on one line, so diffs stay readable."""
    text = json.dumps(data, indent=1)
    number_list = re.compile(r"\[\s*((?:-?[0-9][0-9.eE+-]*|null)(?:,\s*(?:-?[0-9][0-9.eE+-]*|null))*)\s*\]")
    return number_list.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text) + "\n"


# factor_analyzer's MINRES is an iterative optimiser that stops at about 1e-6; where it stops
# moves by ~1e-8 with the CPU's floating-point kernels (seen between two machines of the same
# kind), so its results are compared to 1e-7 (the Rust tests use them to 1e-5).
OPTIMISER_TOLERANCE = 1e-7


def close(a, b, path="") -> list[str]:
    """Differences between two JSON values, numbers compared to 1e-9 relative (1e-7 for what
    factor_analyzer's optimiser gives)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys differ"]
        return [d for k in a for d in close(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: lengths differ"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in close(x, y, f"{path}[{i}]")]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        tolerance = OPTIMISER_TOLERANCE if "_factor_analyzer" in path else 1e-9
        return [] if abs(a - b) <= tolerance * max(1.0, abs(b)) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed fixtures instead of writing")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    failures = 0
    for file, make in FIXTURES.items():
        data = make()
        path = OUT / file
        if args.check:
            committed = json.loads(path.read_text())
            committed.pop("versions", None)
            fresh = json.loads(json.dumps(data))
            fresh.pop("versions", None)
            diffs = close(fresh, committed)
            for d in diffs[:10]:
                print(f"{file}{d}")
            failures += bool(diffs)
            print(f"{file}: {'DIFFERS' if diffs else 'ok'}")
        else:
            path.write_text(dump(data))
            print(f"wrote {path.relative_to(ROOT)} ({len(data['cases'])} cases)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
