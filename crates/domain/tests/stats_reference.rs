//! Checks `trustloop_domain::stats` against reference values computed by independent
//! implementations (scipy, pingouin, factor_analyzer and plain numpy) on real public data sets
//! shipped by pingouin and on generated data with known structure.
//!
//! The fixtures in `tests/fixtures/stats/` are written by `tools/reference/generate.py`; see
//! `tools/reference/README.md` to regenerate them.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::path::PathBuf;
use trustloop_domain::stats::{self, ResponseScale, StatsError};

/// Agreement required with the reference: 1e-6, relative to the size of the value when it is
/// larger than 1.
const TOLERANCE: f64 = 1e-6;

/// factor_analyzer's MINRES stops its optimiser at about 1e-6 in the loadings.
const FACTOR_ANALYZER_TOLERANCE: f64 = 1e-5;

fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stats")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cases(doc: &Value) -> &Vec<Value> {
    doc["cases"].as_array().expect("a cases array")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(num)
        .collect()
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .expect("an array of rows")
        .iter()
        .map(nums)
        .collect()
}

/// Compares a probability with its reference relative to its own size, on the log scale:
/// |ln got − ln want| ≤ `tol`. A tiny reference (a p-value of 1e-7) is then matched neither by 0
/// (ln 0 = −∞) nor by a value ten times too large, which an absolute tolerance would let pass.
#[track_caller]
fn assert_close_log(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        want > 0.0,
        "{what}: a reference probability {want} must be positive"
    );
    assert!(
        got > 0.0 && (got.ln() - want.ln()).abs() <= tol,
        "{what}: got {got:e}, reference {want:e} (log ratio {:e})",
        (got.ln() - want.ln()).abs()
    );
}

fn name(case: &Value) -> &str {
    case["name"].as_str().unwrap_or("")
}

/// Agreement required with the reference for a probability (a p-value, a CDF, a power), on the
/// log scale (about relative): the statistics reach 1e-12 of scipy here.
const PROBABILITY_TOLERANCE: f64 = 1e-9;

/// The error of [`stats::noncentral_t_cdf`] in the lower tail (t < 0 with nc > 0) is absolute:
/// AS 243 finds it as 1 − an upper series, so a probability there is known to about 1e-13, not
/// relative to its size (at t = −4, df = 8, nc = 6 it gives 1.0e-13 for a true 1.07e-15, by a
/// 40-digit integration with mpmath; scipy's 9.81e-16 is itself 9% off).
const NONCENTRAL_T_ABSOLUTE: f64 = 1e-12;

#[track_caller]
fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol * scale,
        "{what}: got {got}, reference {want} (difference {:e})",
        (got - want).abs()
    );
}

#[test]
fn summaries_and_intervals_match_scipy() {
    let doc = fixture("summary.json");
    for case in cases(&doc) {
        let label = name(case);
        let values = nums(&case["values"]);
        let s = stats::summarize(&values).expect("a summary");
        assert_eq!(s.n, case["n"].as_u64().expect("n") as usize, "{label}: n");
        assert_close(
            s.mean,
            num(&case["mean"]),
            TOLERANCE,
            &format!("{label}: mean"),
        );
        assert_close(
            s.sd.expect("sd"),
            num(&case["sd"]),
            TOLERANCE,
            &format!("{label}: sd"),
        );
        assert_close(
            s.se.expect("se"),
            num(&case["se"]),
            TOLERANCE,
            &format!("{label}: se"),
        );
        assert_close(s.min, num(&case["min"]), 0.0, &format!("{label}: min"));
        assert_close(s.max, num(&case["max"]), 0.0, &format!("{label}: max"));
        for interval in case["intervals"].as_array().expect("intervals") {
            let level = num(&interval["level"]);
            let (lo, hi) = stats::confidence_interval(&values, level).expect("an interval");
            let what = format!("{label}: {level} interval");
            assert_close(lo, num(&interval["low"]), TOLERANCE, &what);
            assert_close(hi, num(&interval["high"]), TOLERANCE, &what);
            if level == 0.95 {
                let (l95, h95) = s.ci95.expect("ci95");
                assert_close(l95, num(&interval["low"]), TOLERANCE, &what);
                assert_close(h95, num(&interval["high"]), TOLERANCE, &what);
            }
        }
    }
}

#[test]
fn t_quantiles_match_scipy() {
    let doc = fixture("t_quantile.json");
    for case in cases(&doc) {
        let (p, df) = (num(&case["p"]), num(&case["df"]));
        let q = stats::t_quantile(p, df).expect("a quantile");
        assert_close(
            q,
            num(&case["quantile"]),
            1e-9,
            &format!("t.ppf({p}, {df})"),
        );
    }
}

#[test]
fn spearman_brown_matches_pingouin_and_the_closed_form() {
    let doc = fixture("spearman_brown.json");
    for case in cases(&doc) {
        let got = stats::spearman_brown(num(&case["reliability_one"]), num(&case["k"])).unwrap();
        assert_close(got, num(&case["expected"]), TOLERANCE, name(case));
    }
    for case in doc["raters_needed"].as_array().expect("raters_needed") {
        let rho = num(&case["reliability_one"]);
        let target = num(&case["target"]);
        let got = stats::raters_needed(rho, target).unwrap();
        assert_eq!(
            u64::from(got),
            case["raters"].as_u64().expect("raters"),
            "raters needed for {target} from {rho}"
        );
    }
}

#[test]
fn alpha_item_total_and_omega_match_pingouin_scipy_and_factor_analyzer() {
    let doc = fixture("reliability.json");
    for case in cases(&doc) {
        let label = name(case);
        let rows: Vec<Vec<Option<f64>>> = case["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(Value::as_f64)
                    .collect()
            })
            .collect();
        let complete = stats::complete_rows(&rows);
        assert_eq!(
            complete.len() as u64,
            case["complete_rows"].as_u64().expect("complete_rows"),
            "{label}: listwise deletion"
        );
        let alpha = stats::cronbach_alpha(&complete).unwrap();
        assert_close(
            alpha,
            num(&case["alpha"]),
            TOLERANCE,
            &format!("{label}: alpha"),
        );
        // Feldt's interval: unrounded from scipy's F quantiles to 1e-9, and pingouin's own
        // (rounded to three decimals) to its rounding.
        for (level, key) in [
            (0.95, "alpha_ci95_feldt_scipy"),
            (0.90, "alpha_ci90_feldt_scipy"),
        ] {
            let (same_alpha, (low, high)) =
                stats::cronbach_alpha_interval(&complete, level).unwrap();
            assert_eq!(same_alpha, alpha, "{label}: the interval's alpha");
            let want = nums(&case[key]);
            assert_close(low, want[0], 1e-12, &format!("{label}: {key} low"));
            assert_close(high, want[1], 1e-12, &format!("{label}: {key} high"));
            if level == 0.95 {
                let pingouin = nums(&case["alpha_ci95_pingouin"]);
                for (got, rounded) in [low, high].into_iter().zip(pingouin) {
                    assert!(
                        (got - rounded).abs() <= 0.0005 + 1e-12,
                        "{label}: {got} against pingouin's {rounded}"
                    );
                }
            }
        }
        let item_total = stats::corrected_item_total(&complete).unwrap();
        for (j, (got, want)) in item_total
            .iter()
            .zip(case["item_total"].as_array().expect("item_total"))
            .enumerate()
        {
            match want.as_f64() {
                Some(want) => assert_close(
                    got.expect("a correlation"),
                    want,
                    TOLERANCE,
                    &format!("{label}: item-total {j}"),
                ),
                None => assert_eq!(*got, None, "{label}: item-total {j} must be undefined"),
            }
        }
        match case["omega_paf_numpy"].as_f64() {
            Some(want) => {
                let omega = stats::omega_total(&complete).unwrap();
                assert_close(omega, want, TOLERANCE, &format!("{label}: omega vs numpy"));
                let fa = num(&case["omega_factor_analyzer"]);
                assert_close(
                    omega,
                    fa,
                    FACTOR_ANALYZER_TOLERANCE,
                    &format!("{label}: omega vs factor_analyzer"),
                );
                let fit =
                    stats::one_factor(&stats::correlation_matrix(&complete).unwrap()).unwrap();
                for (l, (np, fa)) in fit.loadings.iter().zip(
                    nums(&case["loadings_paf_numpy"])
                        .iter()
                        .zip(nums(&case["loadings_minres_factor_analyzer"])),
                ) {
                    assert_close(*l, *np, TOLERANCE, &format!("{label}: loading vs numpy"));
                    assert_close(
                        *l,
                        fa,
                        FACTOR_ANALYZER_TOLERANCE,
                        &format!("{label}: loading vs factor_analyzer"),
                    );
                }
            }
            None => assert!(
                matches!(
                    stats::omega_total(&complete),
                    Err(StatsError::TooFew { .. })
                ),
                "{label}: omega must be refused with fewer respondents than items"
            ),
        }
    }
    for case in doc["population"].as_array().expect("population") {
        let fit = stats::one_factor(&matrix(&case["correlation"])).unwrap();
        assert_close(fit.omega(), num(&case["omega"]), 1e-9, "population omega");
        for (got, want) in fit.loadings.iter().zip(nums(&case["loadings"])) {
            assert_close(*got, want, 1e-6, "population loading");
        }
    }
}

#[test]
fn agreement_matches_the_published_formulas() {
    let doc = fixture("agreement.json");
    for case in cases(&doc) {
        let label = name(case);
        let scale = ResponseScale::new(
            num(&case["min"]),
            num(&case["max"]),
            u32::try_from(case["options"].as_u64().expect("options")).expect("small"),
        )
        .unwrap();
        assert_close(
            scale.uniform_null_variance(),
            num(&case["null_variance"]),
            1e-12,
            label,
        );
        let items = matrix(&case["items"]);
        for (j, item) in items.iter().enumerate() {
            let rwg = stats::rwg(item, &scale).unwrap();
            assert_close(
                rwg,
                num(&case["rwg"][j]),
                TOLERANCE,
                &format!("{label}: rwg {j}"),
            );
            match case["awg"][j].as_f64() {
                Some(want) => assert_close(
                    stats::awg(item, &scale).unwrap(),
                    want,
                    TOLERANCE,
                    &format!("{label}: awg {j}"),
                ),
                None => assert!(
                    matches!(stats::awg(item, &scale), Err(StatsError::Undefined(_))),
                    "{label}: awg {j} undefined"
                ),
            }
        }
        let rwg_j = stats::rwg_j(&items, &scale).unwrap();
        assert_close(
            rwg_j,
            num(&case["rwg_j"]),
            TOLERANCE,
            &format!("{label}: rwg(j)"),
        );
        let awg_j = stats::awg_j(&items, &scale).unwrap();
        assert_close(
            awg_j.value,
            num(&case["awg_j"]),
            TOLERANCE,
            &format!("{label}: awg(j)"),
        );
        assert_eq!(
            awg_j.items_used as u64,
            case["awg_items_used"].as_u64().expect("used"),
            "{label}"
        );
        assert_eq!(awg_j.items_total, items.len());
    }
}

#[test]
fn icc_matches_pingouin_and_scipy() {
    let doc = fixture("icc.json");
    for case in cases(&doc) {
        let label = name(case);
        let groups = matrix(&case["groups"]);
        let icc = stats::icc_oneway(&groups).unwrap();
        assert_close(
            icc.icc1,
            num(&case["icc1"]),
            TOLERANCE,
            &format!("{label}: ICC(1)"),
        );
        assert_close(
            icc.icc2.expect("icc2"),
            num(&case["icc2"]),
            TOLERANCE,
            &format!("{label}: ICC(2)"),
        );
        assert_close(icc.f, num(&case["f"]), TOLERANCE, &format!("{label}: F"));
        assert_close(icc.df_between, num(&case["df_between"]), 0.0, label);
        assert_close(icc.df_within, num(&case["df_within"]), 0.0, label);
        assert_close_log(
            icc.p_value,
            num(&case["p_value"]),
            PROBABILITY_TOLERANCE,
            &format!("{label}: p"),
        );
        assert_close(icc.n0, num(&case["n0"]), 1e-12, &format!("{label}: n0"));
        assert_close(
            icc.ms_between,
            num(&case["ms_between"]),
            TOLERANCE,
            &format!("{label}: MSB"),
        );
        assert_close(
            icc.ms_within,
            num(&case["ms_within"]),
            TOLERANCE,
            &format!("{label}: MSW"),
        );
    }
}

#[test]
fn welch_matches_scipy_and_pingouin() {
    let doc = fixture("change.json");
    for case in cases(&doc) {
        let label = name(case);
        let first = nums(&case["first"]);
        let second = nums(&case["second"]);
        for interval in case["intervals"].as_array().expect("intervals") {
            let level = num(&interval["level"]);
            let w = stats::welch_test(&first, &second, level).unwrap();
            assert_close(
                w.difference,
                num(&case["difference"]),
                TOLERANCE,
                &format!("{label}: difference"),
            );
            assert_close(w.t, num(&case["t"]), TOLERANCE, &format!("{label}: t"));
            assert_close(w.df, num(&case["df"]), TOLERANCE, &format!("{label}: df"));
            // p-values can be tiny: compare them relative to their own size.
            assert_close_log(
                w.p_value,
                num(&case["p_value"]),
                PROBABILITY_TOLERANCE,
                &format!("{label}: p"),
            );
            assert_close(
                w.ci.0,
                num(&interval["low"]),
                TOLERANCE,
                &format!("{label}: {level} low"),
            );
            assert_close(
                w.ci.1,
                num(&interval["high"]),
                TOLERANCE,
                &format!("{label}: {level} high"),
            );
        }
    }
}

#[test]
fn power_and_detectable_differences_match_pingouin() {
    let doc = fixture("change.json");
    let size = |v: &Value| usize::try_from(v.as_u64().expect("a size")).expect("small");
    for case in doc["detectable"].as_array().expect("detectable") {
        let (n1, n2) = (size(&case["n1"]), size(&case["n2"]));
        let (alpha, power) = (num(&case["alpha"]), num(&case["power"]));
        let d = stats::detectable_effect_size(n1, n2, alpha, power).unwrap();
        let what = format!("d for n = {n1}/{n2}, alpha {alpha}, power {power}");
        assert_close(d, num(&case["effect_size"]), TOLERANCE, &what);
        if alpha == 0.05 && power == 0.8 {
            let mdd = stats::minimum_detectable_difference(n1, n2, num(&case["sd"])).unwrap();
            assert_close(mdd, num(&case["mdd"]), TOLERANCE, &format!("MDD, {what}"));
        }
    }
    for case in doc["power"].as_array().expect("power") {
        let (n1, n2) = (size(&case["n1"]), size(&case["n2"]));
        let got = stats::two_sample_power(n1, n2, num(&case["d"]), num(&case["alpha"])).unwrap();
        assert_close_log(
            got,
            num(&case["power"]),
            PROBABILITY_TOLERANCE,
            &format!("power for n = {n1}/{n2}"),
        );
    }
    for case in doc["noncentral_t"].as_array().expect("noncentral_t") {
        let (t, df, nc) = (num(&case["t"]), num(&case["df"]), num(&case["nc"]));
        let got = stats::noncentral_t_cdf(t, df, nc).unwrap();
        let want = num(&case["cdf"]);
        let what = format!("nct.cdf({t}, {df}, {nc})");
        // Relative to the value, plus the algorithm's absolute error: a value far below that
        // error must still be positive and within it.
        assert!(
            got > 0.0 && (got - want).abs() <= PROBABILITY_TOLERANCE * want + NONCENTRAL_T_ABSOLUTE,
            "{what}: got {got:e}, reference {want:e}"
        );
    }
}

#[test]
fn percentile_ranks_match_scipy() {
    let doc = fixture("percentile.json");
    for case in cases(&doc) {
        let distribution = nums(&case["distribution"]);
        for (value, rank) in nums(&case["values"]).into_iter().zip(nums(&case["ranks"])) {
            let got = stats::percentile_rank(value, &distribution).unwrap();
            assert_close(got, rank, 1e-9, &format!("{}: rank of {value}", name(case)));
        }
    }
}

#[test]
fn wilson_intervals_match_statsmodels_and_correlations_match_scipy() {
    let doc = fixture("proportion.json");
    let mut checked = 0;
    for case in cases(&doc) {
        match name(case) {
            "wilson" => {
                for w in case["intervals"].as_array().expect("intervals") {
                    let (k, n) = (
                        w["successes"].as_u64().expect("successes"),
                        w["n"].as_u64().expect("n"),
                    );
                    let level = num(&w["level"]);
                    let want = nums(&w["interval"]);
                    let got = stats::wilson_interval(k, n, level).unwrap();
                    let what = format!("Wilson {k}/{n} at {level}");
                    assert_close(got.interval.0, want[0], 1e-12, &what);
                    assert_close(got.interval.1, want[1], 1e-12, &what);
                    checked += 1;
                }
            }
            "pearson" => {
                for c in case["correlations"].as_array().expect("correlations") {
                    let (x, y) = (nums(&c["x"]), nums(&c["y"]));
                    for (level, want) in c["intervals"].as_object().expect("by level") {
                        let level: f64 = level.parse().expect("a level");
                        let got = stats::pearson(&x, &y, level).unwrap();
                        let what = format!("{} at {level}", name(c));
                        assert_close(got.r, num(&c["r"]), 1e-12, &what);
                        let want = nums(want);
                        assert_close(got.interval.0, want[0], 1e-12, &what);
                        assert_close(got.interval.1, want[1], 1e-12, &what);
                        checked += 1;
                    }
                }
            }
            other => panic!("unknown case {other}"),
        }
    }
    assert_eq!(checked, 22 + 8, "every reference value was compared");
}

#[test]
fn pulse_rounds_and_their_changes_match_the_formulas_and_scipy() {
    use std::collections::BTreeMap;
    use trustloop_domain::instrument::{Instrument, Measures};
    use trustloop_domain::model::Element;
    use trustloop_domain::pulse::{PulseMeasure, RoundScores, change_between, respondent_scores};
    use trustloop_domain::rating::Rating;

    let pulse = Instrument::pulse_current();
    let code = |m: Measures| {
        pulse
            .items
            .iter()
            .find(|i| i.measures == m)
            .map(|i| i.code.clone())
            .expect("the pulse asks it")
    };
    let measure = |name: &str| match name {
        "trust_index" => PulseMeasure::TrustIndex,
        "overall" => PulseMeasure::Overall,
        element => PulseMeasure::Element(Element::from_slug(element).expect("an element")),
    };
    let doc = fixture("pulse.json");
    let case = &cases(&doc)[0];
    let mut rounds = Vec::new();
    for round in case["rounds"].as_array().expect("rounds") {
        let respondents: Vec<_> = round["answers"]
            .as_array()
            .expect("answers")
            .iter()
            .map(|row| {
                let ratings: BTreeMap<String, Rating> =
                    ["relationships", "judgement", "consistency", "overall"]
                        .into_iter()
                        .map(|item| {
                            let m = match item {
                                "overall" => Measures::Overall,
                                e => Measures::Element(Element::from_slug(e).expect("element")),
                            };
                            let rating = match row[item].as_u64() {
                                Some(point) => Rating::Score(u8::try_from(point).expect("1-5")),
                                None => Rating::CantSay,
                            };
                            (code(m), rating)
                        })
                        .collect();
                respondent_scores(&pulse, &ratings)
            })
            .collect();
        let invited = u32::try_from(round["invited"].as_u64().expect("invited")).expect("small");
        let scores = RoundScores::from_respondents(invited, &respondents);
        for (name, want) in round["measures"].as_object().expect("measures") {
            let got = &scores.scores[&measure(name)];
            assert_eq!(got.n as u64, want["n"].as_u64().expect("n"), "{name}");
            assert_close(got.mean, num(&want["mean"]), 1e-12, name);
            let ci = got.ci95.expect("n >= 2");
            let want_ci = nums(&want["ci95"]);
            assert_close(ci.0, want_ci[0], 1e-12, name);
            assert_close(ci.1, want_ci[1], 1e-12, name);
        }
        rounds.push(scores);
    }
    let mut checked = 0;
    for change in case["changes"].as_array().expect("changes") {
        let from = usize::try_from(change["from"].as_u64().expect("from")).expect("small");
        let to = usize::try_from(change["to"].as_u64().expect("to")).expect("small");
        let m = measure(change["measure"].as_str().expect("measure"));
        let rows = change_between(&rounds[from], &rounds[to]);
        let (_, row) = rows.iter().find(|(x, _)| *x == m).expect("compared");
        let what = format!("{m:?} {from}->{to}");
        assert_close(
            row.test.difference,
            num(&change["difference"]),
            1e-12,
            &what,
        );
        assert_close_log(
            row.test.p_value,
            num(&change["p_value"]),
            PROBABILITY_TOLERANCE,
            &what,
        );
        let ci = nums(&change["ci95"]);
        assert_close(row.test.ci.0, ci[0], 1e-9, &what);
        assert_close(row.test.ci.1, ci[1], 1e-9, &what);
        checked += 1;
    }
    assert_eq!(checked, 15, "three changes of five measures");
}
