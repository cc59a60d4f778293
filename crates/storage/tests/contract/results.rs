//! Results ([`ResultStore`]): responses, scores, team sums and campaign contexts.

use crate::helpers::*;
use std::collections::BTreeMap;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::instrument::Instrument;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::rating::{Rating, SurveyAnswers};
use trustloop_storage::*;

/// An open campaign rating Lee and Pat in which every rater answered: Lee's raters with 5,
/// Pat's with 2, each with "can't say" on the first item; direct reports also commented.
async fn answered_campaign(store: &DynStore, org: &Org) -> CampaignId {
    let (id, links) =
        open_campaign_with_rules(store, &[org.lee, org.pat], STORAGE_ONLY_RULES).await;
    for (invitation, _) in &links {
        let point = if invitation.leader_id == org.lee {
            5
        } else {
            2
        };
        let comment = (invitation.group == RaterGroup::DirectReport)
            .then(|| format!("from a report of {}", invitation.leader_id));
        store
            .submit_response(invitation.id, &answers(point, comment.as_deref()), today())
            .await
            .expect("answered");
    }
    // Closing releases the answers still waiting for their batch.
    set_status(store, id, CampaignStatus::Closed).await;
    id
}

pub(crate) async fn responses_come_back_per_leader_without_who_gave_them(store: DynStore) {
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let (responses, comments) = store.responses(id, org.lee).await.expect("Lee's");
    assert_eq!(responses.len(), 4);
    let expected = answers(5, None).ratings;
    assert!(responses.iter().all(|r| r.ratings == expected));
    assert_eq!(
        responses
            .iter()
            .filter(|r| r.ratings.values().any(|v| *v == Rating::CantSay))
            .count(),
        4,
        "\"can't say\" is kept apart from the scores"
    );
    let mut groups: Vec<RaterGroup> = responses.iter().map(|r| r.group).collect();
    groups.sort();
    assert_eq!(
        groups,
        [
            RaterGroup::SelfRating,
            RaterGroup::Manager,
            RaterGroup::DirectReport,
            RaterGroup::DirectReport
        ]
    );
    assert_eq!(comments.len(), 2);
    let code = Instrument::current().open_questions[0].code.clone();
    for comment in &comments {
        // Comments are kept pooled: under "Others", whoever but the leader wrote them.
        assert_eq!(comment.group, RaterGroup::Other);
        assert_eq!(comment.code, code);
        assert_eq!(comment.text, format!("from a report of {}", org.lee));
    }
    let (pats, pat_comments) = store.responses(id, org.pat).await.expect("Pat's");
    assert_eq!(pats.len(), 3, "Pat: herself, Dana, Eve");
    assert!(pats.iter().all(|r| r.ratings == answers(2, None).ratings));
    assert_eq!(pat_comments.len(), 1);
    let (none, none_comments) = store.responses(id, org.dana).await.expect("Dana's");
    assert!(none.is_empty() && none_comments.is_empty());
}

pub(crate) async fn campaign_responses_carry_the_leader_each_response_rates(store: DynStore) {
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let all = store.campaign_responses(id).await.expect("all");
    assert_eq!(all.len(), 7);
    for (leader, response) in &all {
        let point = if *leader == org.lee { 5 } else { 2 };
        assert_eq!(response.ratings, answers(point, None).ratings);
    }
    assert_eq!(all.iter().filter(|(l, _)| *l == org.lee).count(), 4);
    let other = campaign(&store, "Other").await;
    assert!(
        store
            .campaign_responses(other)
            .await
            .expect("none")
            .is_empty()
    );
}

/// The heatmap's lean read equals what it shows of the full sums, exactly: the same stored values.
async fn assert_totals_are_the_sums_shown(
    store: &DynStore,
    campaign: CampaignId,
    kept: &[(String, trustloop_domain::analytics::TeamSums)],
) {
    let totals = store.team_totals(campaign).await.expect("totals");
    let shown: Vec<(String, trustloop_domain::analytics::TeamTotals)> =
        kept.iter().map(|(t, s)| (t.clone(), (*s).into())).collect();
    assert_eq!(totals, shown);
}

pub(crate) async fn team_sums_kept_up_to_date_always_equal_a_recomputation_from_the_answers(
    store: DynStore,
) {
    // Five teams, each a leader with 3 to 7 direct reports, plus peers who are not counted.
    let mut rows = vec![row("Chief", "chief@example.org", None, Some("Board"))];
    let mut leaders = Vec::new();
    for t in 0..5 {
        let leader = format!("lead{t}@example.org");
        rows.push(row(
            &format!("Lead {t}"),
            &leader,
            Some("chief@example.org"),
            Some(&format!("Team {t}")),
        ));
        leaders.push(leader.clone());
        for r in 0..(3 + t) {
            rows.push(row(
                &format!("Member {t}.{r}"),
                &format!("m{t}.{r}@example.org"),
                Some(&leader),
                Some(&format!("Team {t}")),
            ));
        }
    }
    import(&store, rows).await.expect("imported");
    let mut ids = Vec::new();
    for l in &leaders {
        ids.push(id_of(&store, l).await);
    }
    let instrument = Instrument::current();
    // Each random sequence in a campaign of its own: a random share of the invitations answered
    // in a random order, the sums read at random moments while answers keep arriving (and
    // then answers arriving after each read), then the campaign closed.
    for seed in [7u64, 1234, 99, 2026, 31337, 4242] {
        let mut random = Random(seed);
        let (campaign, links) = open_campaign(&store, &ids).await;
        assert!(
            store.team_sums(campaign).await.expect("sums").is_empty(),
            "nothing before answers"
        );
        let mut pending: Vec<&(Invitation, String)> = links
            .iter()
            .filter(|_| seed == 7 || random.next(5) != 0)
            .collect();
        let mut direct_reports = 0;
        while !pending.is_empty() {
            let (invitation, _) = pending.remove(random.next(pending.len() as u64) as usize);
            let ratings = random.ratings(&instrument);
            store
                .submit_response(
                    invitation.id,
                    &SurveyAnswers {
                        ratings,
                        comments: BTreeMap::new(),
                    },
                    today(),
                )
                .await
                .expect("answered");
            if invitation.group == RaterGroup::DirectReport {
                direct_reports += 1;
            }
            // Read the sums at random moments while answers keep arriving.
            if random.next(4) == 0 {
                let kept = store.team_sums(campaign).await.expect("sums");
                let recomputed = store
                    .recomputed_team_sums(campaign)
                    .await
                    .expect("recomputed");
                assert_same_sums(&kept, &recomputed);
                assert_totals_are_the_sums_shown(&store, campaign, &kept).await;
                assert!(
                    kept.iter().all(|(_, sums)| sums.respondents >= 3),
                    "answers become readable only in batches of at least k = 3: {kept:?}"
                );
            }
        }
        // What still waits for its batch is released when the campaign closes.
        set_status(&store, campaign, CampaignStatus::Closed).await;
        if seed == 7 {
            // Everyone answered: no group is too small, nothing stays sealed. (Otherwise a group
            // the report hides stays sealed for good, in no sum.)
            assert_eq!(store.pending_answers(campaign).await.expect("pending"), 0);
        }
        let kept = store.team_sums(campaign).await.expect("sums");
        assert_same_sums(
            &kept,
            &store
                .recomputed_team_sums(campaign)
                .await
                .expect("recomputed"),
        );
        assert_totals_are_the_sums_shown(&store, campaign, &kept).await;
        let counted: u64 = kept.iter().map(|(_, s)| s.respondents).sum();
        assert!(
            counted <= direct_reports,
            "direct reports only, and never more than answered (a group below the minimum stays sealed): seed {seed}"
        );
        if seed == 7 {
            assert_eq!(
                counted,
                3 + 4 + 5 + 6 + 7,
                "everyone answered: every direct report"
            );
            assert_eq!(kept[0].0, "Team 0");
        }
    }
}

pub(crate) async fn each_response_keeps_its_scores_and_a_closed_campaigns_context_is_stored_once(
    store: DynStore,
) {
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let instrument = Instrument::current();
    let scores = store.campaign_rater_scores(id).await.expect("scores");
    let (responses, _) = store
        .campaign_responses(id)
        .await
        .map(|r| (r, ()))
        .expect("responses");
    assert_eq!(scores.len(), responses.len());
    let expected =
        trustloop_domain::analytics::Contribution::of(&instrument, &answers(5, None).ratings)
            .values;
    for (leader, _, values) in &scores {
        if *leader == org.lee {
            assert_eq!(*values, expected);
        }
    }
    assert_eq!(store.campaign_context(id).await.expect("read"), None);
    store
        .save_campaign_context(id, "{\"first\":1}")
        .await
        .expect("saved");
    store
        .save_campaign_context(id, "{\"second\":2}")
        .await
        .expect("kept");
    assert_eq!(
        store.campaign_context(id).await.expect("read").as_deref(),
        Some("{\"first\":1}")
    );
}

#[tokio::test]
async fn scores_missing_for_older_responses_are_computed_when_first_needed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let store = connect(&url).await.expect("opens");
    let org = import_org(&store).await;
    let id = answered_campaign(&store, &org).await;
    let mut before = store.campaign_rater_scores(id).await.expect("scores");
    // As if the responses had been stored before scores were kept.
    let pool = sqlx::SqlitePool::connect(&url)
        .await
        .expect("raw connection");
    sqlx::query("UPDATE responses SET scored = 0, m0 = NULL, m1 = NULL, m2 = NULL, m3 = NULL")
        .execute(&pool)
        .await
        .expect("forgotten");
    pool.close().await;

    let mut after = store.campaign_rater_scores(id).await.expect("recomputed");

    let key =
        |row: &(PersonId, RaterGroup, [Option<f64>; 4])| (row.0, row.1, format!("{:?}", row.2));
    before.sort_by_key(key);
    after.sort_by_key(key);
    assert_eq!(before, after);
}
