//! Segment views: parsing, planning, and the property test against exact linear algebra.

#![allow(clippy::unwrap_used)]
use super::*;
use proptest::prelude::*;

fn answer(pairs: &[(&str, &str)], score: f64) -> Answer {
    Answer {
        team: None,
        attributes: pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        scores: [Some(score); 4],
    }
}

fn catalog() -> Catalog {
    Catalog::new([
        (
            "location".to_string(),
            Some(vec!["Lisbon".into(), "London".into(), "Porto".into()]),
        ),
        (
            "function".to_string(),
            Some(vec!["Finance".into(), "Sales".into()]),
        ),
        ("employee_no".to_string(), None),
    ])
}

fn query(filters: &[&str], by: Option<&str>) -> SegmentQuery {
    parse_query(&catalog(), filters, by).unwrap()
}

/// 12 in Lisbon (8 Finance, 4 Sales), 6 in London (all Sales), 3 in Porto, 2 without a
/// location.
fn org() -> Vec<Answer> {
    let mut answers = Vec::new();
    for i in 0..8 {
        answers.push(answer(
            &[("location", "Lisbon"), ("function", "Finance")],
            60.0 + f64::from(i),
        ));
    }
    for _ in 0..4 {
        answers.push(answer(
            &[("location", "Lisbon"), ("function", "Sales")],
            40.0,
        ));
    }
    for _ in 0..6 {
        answers.push(answer(
            &[("location", "London"), ("function", "Sales")],
            80.0,
        ));
    }
    for _ in 0..3 {
        answers.push(answer(&[("location", "Porto")], 20.0));
    }
    for _ in 0..2 {
        answers.push(answer(&[("function", "Finance")], 50.0));
    }
    answers
}

#[test]
fn filters_are_parsed_with_clear_errors_for_bad_input() {
    let q = query(&["location:Lisbon", " function : Finance ", ""], Some("  "));
    assert_eq!(
        q.filters.describe(),
        "function is Finance and location is Lisbon"
    );
    assert_eq!(q.by, None);
    let err = |f: &[&str], by: Option<&str>| parse_query(&catalog(), f, by).unwrap_err().0;
    assert!(err(&["location"], None).contains("name:value"));
    assert!(err(&[":Lisbon"], None).contains("names no attribute"));
    assert!(err(&["location:"], None).contains("empty"));
    assert!(err(&["tenure:new"], None).contains("no attribute \"tenure\""));
    assert!(err(&["tenure:new"], None).contains("location"));
    assert!(err(&["location:Atlantis"], None).contains("Nobody"));
    assert!(err(&["location:Lisbon", "location:Porto"], None).contains("more than once"));
    assert!(err(&["location:Lisbon", "LOCATION:Lisbon"], None).contains("more than once"));
    assert!(err(&["location:Lisbon"], Some("location")).contains("already filtered"));
    assert!(err(&[], Some("tenure")).contains("no attribute"));
    assert!(err(&[], Some("employee_no")).contains("too many"));
    assert!(err(&["location:a\u{7}b"], None).contains("control"));
    let many: Vec<String> = (0..=MAX_FILTERS).map(|i| format!("a{i}:x")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(err(&many, None).contains("at most"));
    // An attribute with too many values to list can still be filtered on.
    assert!(parse_query(&catalog(), &["employee_no:123"], None).is_ok());
}

#[test]
fn filter_sets_round_trip_through_canonical_json_and_intersect() {
    let a = query(&["location:Lisbon"], None).filters;
    let b = query(&["function:Finance"], None).filters;
    let both = a.and(&b);
    assert_eq!(
        both.to_canonical_json(),
        r#"{"function":["Finance"],"location":["Lisbon"]}"#
    );
    assert_eq!(
        FilterSet::from_canonical_json(&both.to_canonical_json()).unwrap(),
        both
    );
    let porto = query(&["location:Porto"], None).filters;
    let conflict = a.and(&porto);
    assert!(org().iter().all(|x| !conflict.matches(&x.attributes)));
    let unset = FilterSet::everyone().with("location", BTreeSet::from([None]));
    assert_eq!(unset.to_canonical_json(), r#"{"location":[null]}"#);
    assert_eq!(
        org()
            .iter()
            .filter(|x| unset.matches(&x.attributes))
            .count(),
        2
    );
    assert!(FilterSet::from_canonical_json("[1]").is_err());
}

#[test]
fn a_population_below_k_is_refused_and_a_large_one_shown_with_intervals() {
    let raw = org();
    let answers = Answers::new(raw.clone());
    let refused = plan_view(5, &answers, &query(&["location:Porto"], None), &[]);
    assert!(refused.unwrap_err().0.contains("fewer than 5"));
    let view = plan_view(5, &answers, &query(&["location:Lisbon"], None), &[]).unwrap();
    assert_eq!(view.total.respondents, 12);
    let ti = view.total.scores[0].as_ref().unwrap();
    let values: Vec<f64> = raw[..12].iter().map(|a| a.scores[0].unwrap()).collect();
    let summary = stats::summarize(&values).unwrap();
    assert_eq!(ti.n, 12);
    assert!((ti.mean - summary.mean).abs() < 1e-12);
    assert_eq!(
        ti.interval.map(|(l, _)| l),
        summary.ci95.map(|(l, _)| l.max(0.0))
    );
    assert_eq!(
        ti.ci95, summary.ci95,
        "kept unclipped beside the drawn interval"
    );
    assert_eq!(
        view.seen,
        vec![(
            SeenPopulation {
                filters: view.filters.clone(),
                measures: [true; 4]
            },
            12
        )]
    );
}

#[test]
fn a_measure_some_could_not_rate_is_not_shown() {
    let mut raw = org();
    raw[0].scores[2] = None;
    let answers = Answers::new(raw);
    let view = plan_view(5, &answers, &query(&["location:Lisbon"], None), &[]).unwrap();
    assert!(view.total.scores[2].is_none());
    assert!(view.total.scores[1].is_some());
}

#[test]
fn compare_by_rows_are_suppressed_with_their_complement_and_the_leftover_is_seen() {
    let answers = Answers::new(org());
    let view = plan_view(5, &answers, &query(&[], Some("location")), &[]).unwrap();
    let row = |v: Option<&str>| {
        view.rows
            .iter()
            .find(|r| r.value.as_deref() == v)
            .unwrap()
            .clone()
    };
    assert_eq!(view.total.respondents, 23);
    assert_eq!(row(Some("Lisbon")).figures.unwrap().respondents, 12);
    assert_eq!(row(Some("Porto")).hidden, Some(Suppression::TooFew));
    assert_eq!(row(None).hidden, Some(Suppression::TooFew));
    // Porto (3) and "not set" (2) together reach 5: London needs no complement.
    assert!(row(Some("London")).hidden.is_none());
    assert_eq!(view.rows.last().unwrap().value, None, "not set comes last");
    // The total and the two shown rows; the hidden rows (Porto and "not set", 5 together)
    // are the difference, which the ledger sees as one group of 5.
    assert_eq!(view.seen.len(), 3);
}

#[test]
fn a_view_near_a_seen_one_is_refused_but_the_same_or_a_distant_one_is_not() {
    let answers = Answers::new(org());
    let seen = |filters: &[&str]| SeenPopulation {
        filters: query(filters, None).filters,
        measures: [true; 4],
    };
    let lisbon = seen(&["location:Lisbon"]);
    // Lisbon Finance (8) differs from Lisbon (12) by 4 < 5.
    let near = plan_view(
        5,
        &answers,
        &query(&["location:Lisbon", "function:Finance"], None),
        std::slice::from_ref(&lisbon),
    );
    assert!(near.unwrap_err().0.contains("single out fewer than 5"));
    // The same view again reveals nothing new.
    assert!(
        plan_view(
            5,
            &answers,
            &query(&["location:Lisbon"], None),
            std::slice::from_ref(&lisbon)
        )
        .is_ok()
    );
    // London (6) shares nobody with Lisbon.
    assert!(
        plan_view(
            5,
            &answers,
            &query(&["location:London"], None),
            std::slice::from_ref(&lisbon)
        )
        .is_ok()
    );
    // Two overlapping filters: Finance (10) against Lisbon (12): 8 shared, differences 2 and 4.
    let overlap = plan_view(5, &answers, &query(&["function:Finance"], None), &[lisbon]);
    assert!(overlap.is_err());
    // A compare-by row near a seen view refuses the whole view.
    let sales = seen(&["function:Sales"]);
    let by_location = plan_view(5, &answers, &query(&[], Some("location")), &[sales]);
    // London row (6) is all Sales (10): 4 Sales outside London.
    assert!(by_location.is_err());
    // After seeing London alone, comparing by location shows London again, Lisbon, and
    // Porto with "not set" hidden together (5): nothing near London.
    let london = seen(&["location:London"]);
    assert!(plan_view(5, &answers, &query(&[], Some("location")), &[london]).is_ok());
}

#[test]
fn a_segment_that_splits_a_team_already_shown_on_the_heatmap_is_refused() {
    // Team Sales: 6 answers, 5 of them Finance; Team Ops: 7 answers, none Finance.
    let mut raw = Vec::new();
    for i in 0..6 {
        let function = if i < 5 { "Finance" } else { "Legal" };
        let mut a = answer(&[("function", function)], 50.0);
        a.team = Some("Sales".into());
        raw.push(a);
    }
    for _ in 0..7 {
        let mut a = answer(&[("function", "Legal")], 70.0);
        a.team = Some("Ops".into());
        raw.push(a);
    }
    let answers = Answers::new(raw);
    let team = |t: &str| SeenPopulation {
        filters: FilterSet::everyone().with(TEAM, BTreeSet::from([Some(t.to_string())])),
        measures: [true; 4],
    };
    let heatmap = [
        team("Sales"),
        team("Ops"),
        SeenPopulation {
            filters: FilterSet::everyone(),
            measures: [true; 4],
        },
    ];
    // Sales minus Finance would be the one Legal answer of Sales.
    let finance = plan_view(5, &answers, &query(&["function:Finance"], None), &heatmap);
    assert!(finance.is_err());
    // Legal takes in the whole of Ops and one of Sales: refused too.
    let legal = SegmentQuery {
        filters: FilterSet::everyone().with("function", BTreeSet::from([Some("Legal".into())])),
        by: None,
    };
    assert!(plan_view(5, &answers, &legal, &heatmap).is_err());
    // Without the heatmap shown, Finance alone (5) is fine.
    assert!(plan_view(5, &answers, &query(&["function:Finance"], None), &[]).is_ok());
    // A measure that was not shown on the heatmap does not count against a view.
    let mut partial = heatmap.clone();
    for p in &mut partial {
        p.measures = [false; 4];
    }
    assert!(plan_view(5, &answers, &query(&["function:Finance"], None), &partial).is_ok());
}

#[test]
fn a_group_shown_under_a_smaller_minimum_refuses_only_the_views_that_split_it() {
    // The heatmap showed a team of 5 (the team minimum); segment views here need 9.
    let mut raw = org();
    for a in &mut raw[..5] {
        a.team = Some("Five".into());
    }
    let answers = Answers::new(raw);
    let five = SeenPopulation {
        filters: FilterSet::everyone().with(TEAM, BTreeSet::from([Some("Five".into())])),
        measures: [true; 4],
    };
    let seen = std::slice::from_ref(&five);
    // Everyone (23) takes in the whole team: nothing new about its five.
    assert!(plan_view(9, &answers, &query(&[], None), seen).is_ok());
    assert_eq!(
        answers.isolates(9, seen, &[]),
        None,
        "the history alone is not held against a view"
    );
    // Lisbon (12) minus the team would be 7.
    let lisbon = plan_view(9, &answers, &query(&["location:Lisbon"], None), seen);
    assert!(lisbon.unwrap_err().0.contains("single out fewer than 9"));
}

/// Small organisations: each answer has a location (0–2 or none), a function (0–1 or
/// none), a team (0–2 or none), and now and then no value for one measure (its rater could
/// not say).
fn answers_strategy() -> impl Strategy<Value = Vec<Answer>> {
    prop::collection::vec(
        (
            prop::option::of(0u8..3),
            prop::option::of(0u8..2),
            0.0..100.0f64,
            prop::option::of(0u8..3),
            prop::option::weighted(0.15, 0usize..4),
        ),
        0..16,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(loc, func, score, team, cant_say)| {
                let mut attributes = BTreeMap::new();
                if let Some(l) = loc {
                    attributes.insert("location".to_string(), format!("L{l}"));
                }
                if let Some(f) = func {
                    attributes.insert("function".to_string(), format!("F{f}"));
                }
                let mut scores = [Some(score); 4];
                if let Some(m) = cant_say {
                    scores[m] = None;
                }
                Answer {
                    team: team.map(|t| format!("T{t}")),
                    attributes,
                    scores,
                }
            })
            .collect()
    })
}

fn query_strategy() -> impl Strategy<Value = SegmentQuery> {
    (prop::option::of(0u8..3), prop::option::of(0u8..2), 0u8..3).prop_map(|(loc, func, by)| {
        let mut filters = FilterSet::everyone();
        if let Some(l) = loc {
            filters = filters.with("location", BTreeSet::from([Some(format!("L{l}"))]));
        }
        if let Some(f) = func {
            filters = filters.with("function", BTreeSet::from([Some(format!("F{f}"))]));
        }
        let by = match by {
            1 if loc.is_none() => Some("location".to_string()),
            2 if func.is_none() => Some("function".to_string()),
            _ => None,
        };
        SegmentQuery { filters, by }
    })
}

proptest! {
    /// Whatever the answers and the sequence of views asked for (segment views and team
    /// heatmaps, by several admins, all kept in one history, the heatmap decided by
    /// [`crate::analytics::heatmap_against`] as the product decides it): every shown total
    /// and row has at least k answers, the hidden rows together have none or at least k,
    /// and no linear combination of everything shown isolates fewer than k answers on any
    /// measure (checked by exact linear algebra over every group of k − 1 answers).
    #[test]
    fn no_combination_of_everything_shown_isolates_fewer_than_k(
        k in 3u32..6,
        raw in answers_strategy(),
        // `None` is a heatmap view.
        views in prop::collection::vec(prop::option::weighted(0.75, query_strategy()), 1..9),
    ) {
        let answers = Answers::new(raw.clone());
        let totals = crate::analytics::totals_of(&raw);
        let mut seen: Vec<SeenPopulation> = Vec::new();
        for view in &views {
            let Some(q) = view else {
                let (map, shown) = crate::analytics::heatmap_against(k, &totals, &answers, &seen);
                for row in &map.rows {
                    if let Some(n) = row.respondents {
                        prop_assert!(n >= u64::from(k));
                    }
                }
                for (population, n) in shown.all() {
                    prop_assert_eq!(answers.members(&population.filters).count(), *n);
                }
                seen.extend(shown.all().map(|(p, _)| p.clone()));
                continue;
            };
            let Ok(view) = plan_view(k, &answers, q, &seen) else { continue };
            prop_assert!(view.total.respondents >= k);
            let mut hidden = 0;
            for row in &view.rows {
                match &row.figures {
                    Some(f) => prop_assert!(f.respondents >= k),
                    None => {
                        let m = FilterSet::everyone()
                            .with(q.by.as_deref().unwrap(), BTreeSet::from([row.value.clone()]))
                            .and(&q.filters);
                        hidden += answers.members(&m).count();
                    }
                }
            }
            prop_assert!(hidden == 0 || hidden >= k);
            for (population, n) in &view.seen {
                prop_assert_eq!(answers.members(&population.filters).count(), *n);
            }
            seen.extend(view.seen.into_iter().map(|(p, _)| p));
        }
        // The index selects exactly the answers the filter sets match, asked for or seen,
        // including "not set" and several values at once.
        let unset = FilterSet::everyone().with("location", BTreeSet::from([None, Some("L1".into())]));
        let no_team = FilterSet::everyone().with(TEAM, BTreeSet::from([None]));
        let asked = views.iter().flatten().map(|q| &q.filters);
        for s in seen.iter().map(|p| &p.filters).chain(asked).chain([&unset, &no_team]) {
            let naive: Vec<usize> = raw
                .iter()
                .enumerate()
                .filter(|(_, a)| s.matches_answer(a))
                .map(|(i, _)| i)
                .collect();
            prop_assert_eq!(answers.members(s).positions().collect::<Vec<_>>(), naive);
        }
        prop_assert!(
            !crate::analytics::exactly_isolates(k, &raw, &seen),
            "a combination of what was shown isolates fewer than {} answers", k
        );
    }
}
