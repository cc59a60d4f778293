//! The `trustloop-bench` program as a user runs it.

use std::process::Command;
use trustloop_storage::PeopleQuery;

fn trustloop_bench() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trustloop-bench"))
}

#[tokio::test]
async fn generate_makes_an_organisation_with_the_answers_asked_for() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let out = trustloop_bench()
        .args([
            "generate",
            "--people",
            "2000",
            "--leaders",
            "200",
            "--responses",
            "5000",
            "--database",
            &url,
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = trustloop_storage::connect(&url).await.expect("opens");
    let (_, people) = store
        .people(&PeopleQuery {
            limit: 0,
            ..PeopleQuery::default()
        })
        .await
        .expect("count");
    assert_eq!(people, 2000);
    let campaigns = store.campaigns().await.expect("campaigns");
    assert!(campaigns.len() >= 2, "5,000 answers need several campaigns");
    let mut answered = 0;
    for campaign in &campaigns {
        assert_eq!(
            campaign.status,
            trustloop_domain::campaign::CampaignStatus::Closed
        );
        let progress = store.progress(campaign.id).await.expect("progress");
        let leaders: std::collections::HashSet<_> = progress.iter().map(|p| p.leader_id).collect();
        // The chief, 14 directors and 200 team leaders.
        assert_eq!(leaders.len(), 215);
        answered += progress.iter().map(|p| p.completed).sum::<u32>();
        let kept = store.team_sums(campaign.id).await.expect("sums");
        assert!(kept.len() > 100, "teams with answers: {}", kept.len());
        let recomputed = store.recomputed_team_sums(campaign.id).await.expect("sums");
        assert_eq!(kept.len(), recomputed.len());
    }
    assert_eq!(answered, 5000);
    // A database that already holds people is refused.
    let again = trustloop_bench()
        .args(["generate", "--people", "2000", "--leaders", "200"])
        .args(["--responses", "10", "--database", &url])
        .output()
        .expect("runs");
    assert!(!again.status.success());
}
