//! The demo organisation as users see it: every report page has data, and campaign-wide
//! measurement figures are there for the admin.

use trustloop_web::{Application, WebConfig};

async fn demo_server() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let store = trustloop_storage::connect(&url).await.expect("db");
    let app = Application::build(
        WebConfig {
            port: 0,
            ..WebConfig::default()
        },
        store.clone(),
    )
    .await
    .expect("binds");
    let base = format!("http://{}", app.address());
    trustloop::demo::seed_if_empty(&store, &base)
        .await
        .expect("seeded");
    tokio::spawn(app.run_until(std::future::pending()));
    (base, dir)
}

async fn signed_in(base: &str, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let form = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    let token = form
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("login token");
    let r = client
        .post(format!("{base}/sign-in"))
        .form(&[
            ("email", email),
            ("password", password),
            ("next", "/"),
            ("csrf", token),
        ])
        .send()
        .await
        .expect("sent");
    assert!(
        r.status().is_success(),
        "sign-in as {email}: {}",
        r.status()
    );
    client
}

async fn json(client: &reqwest::Client, url: String) -> serde_json::Value {
    serde_json::from_str(&page(client, url).await).expect("json")
}

async fn page(client: &reqwest::Client, url: String) -> String {
    let r = client.get(&url).send().await.expect("sent");
    assert_eq!(r.status(), 200, "{url}");
    r.text().await.expect("body")
}

#[tokio::test]
async fn the_demo_leader_reads_a_full_report_with_percentiles_among_eight_leaders() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;

    let home = page(&maya, format!("{base}/me")).await;
    assert!(home.contains("Spring trust 360") && home.contains("Read your trust report"));
    let report = page(&maya, format!("{base}/me/campaigns/1/report")).await;

    assert!(report.contains("data-testid=\"score-trust_index\""));
    assert!(
        report.contains("of the leaders in this campaign"),
        "percentiles among 8 leaders"
    );
    assert!(report.contains("agreement ("), "agreement per group");
    assert!(report.contains("In their own words") && !report.contains("Comments are shown once"));
    assert!(report.contains("Suggested focus"));
}

#[tokio::test]
async fn the_admin_sees_measurement_quality_for_the_closed_demo_campaign() {
    let (base, _dir) = demo_server().await;
    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;

    let quality = page(&admin, format!("{base}/admin/campaigns/1/quality")).await;

    assert!(
        quality.contains("pooled over <span data-testid=\"/leaders\">8</span> leaders"),
        "{quality}"
    );
    let coefficients = ["alpha\">0.", "omega\">0.", "icc1\">0.", "icc2\">0."]
        .iter()
        .map(|c| quality.matches(c).count())
        .sum::<usize>();
    assert!(
        coefficients >= 6,
        "alpha, omega and ICCs are numbers: {coefficients}"
    );
    let open = admin
        .get(format!("{base}/admin/campaigns/2/quality"))
        .send()
        .await
        .expect("sent");
    assert_eq!(open.status(), 409, "only closed campaigns");
}

#[tokio::test]
async fn the_demo_campaigns_have_peers_nominated_and_approved_by_someone_else() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;
    let home = page(&maya, format!("{base}/me")).await;
    let peers = home.matches("· Peers").count();
    assert!(peers >= 6, "three peers in each of two campaigns: {peers}");
    for change in [
        "<td>nominated</td><td>Jonas Lindqvist",
        "<td>approved</td><td>Jonas Lindqvist",
        "<td>your manager</td>",
        "<td>list locked: the campaign opened</td>",
    ] {
        assert!(home.contains(change), "Maya's change list shows {change:?}");
    }
    assert!(
        !home.contains("awaiting approval"),
        "every nomination approved"
    );

    let elena = signed_in(
        &base,
        "elena.rossi@demo.trustloop.test",
        "demo-manager-2026",
    )
    .await;
    let approvals = page(&elena, format!("{base}/me/approvals")).await;
    assert!(approvals.contains("No nomination awaits your approval"));
}

#[tokio::test]
async fn the_demo_leader_has_lessons_in_progress_and_the_admin_sees_teams_learning() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;

    let learn = page(&maya, format!("{base}/learn")).await;
    assert!(
        learn.contains("You have read <strong>2</strong>")
            && learn.contains("passed <strong>1</strong>"),
        "{learn}"
    );
    assert!(
        learn.contains("data-testid=\"score-consistency\""),
        "her latest consistency score beside its lesson"
    );
    let first = page(&maya, format!("{base}/learn/why-trust-matters")).await;
    assert!(first.contains("My first manager"), "her own reflection");

    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;
    let teams = page(&admin, format!("{base}/admin/learning")).await;
    assert!(
        teams.contains("<th scope=\"row\">"),
        "some team has enough learners"
    );
    assert!(!teams.contains("My first manager"));
}

#[tokio::test]
async fn the_demo_shows_a_plan_and_a_ledger_in_every_state_to_the_right_people() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;
    let ledger = page(&maya, format!("{base}/me/ledger")).await;
    for state in [
        "Kept",
        "Kept late",
        "Renegotiated in time",
        "Not kept",
        "Dropped",
        "Overdue",
        "Open",
        "confirmed kept",
        "unconfirmed",
        "Waiting for confirmation:",
        "Due soon:",
        "Your team sees this ratio",
    ] {
        assert!(ledger.contains(state), "Maya's ledger shows {state:?}");
    }
    assert!(
        ledger.contains("95% range"),
        "the ratio comes with its interval"
    );
    let plans = page(&maya, format!("{base}/me/campaigns/1/plan")).await;
    assert!(plans.contains("Your plan") && plans.contains("Your manager can see this plan"));

    let elena = signed_in(
        &base,
        "elena.rossi@demo.trustloop.test",
        "demo-manager-2026",
    )
    .await;
    let shared = page(&elena, format!("{base}/me/shared-plans")).await;
    assert!(shared.contains("Maya Okafor: Spring trust 360"));

    let tomas = signed_in(&base, "tomas.varga@demo.trustloop.test", "demo-member-2026").await;
    let asks = page(&tomas, format!("{base}/me/confirmations")).await;
    assert!(asks.contains("Share the hiring plan"));
    assert!(asks.contains("data-testid=\"managers-ratio\""));

    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;
    let organisation = page(&admin, format!("{base}/admin/plans")).await;
    assert!(organisation.contains("Platform") && organisation.contains("r = "));
    assert!(
        !organisation.contains("Share the hiring plan"),
        "admins see counts, never contents"
    );
}

#[tokio::test]
async fn the_demo_has_a_year_of_pulses_a_reorganisation_a_fall_that_recovers_and_an_alert() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;
    let home = page(&maya, format!("{base}/me")).await;
    assert!(
        home.contains("Trust fell in 1 team pulse"),
        "Platform's latest round fell"
    );
    assert!(home.contains("/learn/"), "the alert links a lesson");

    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;
    let series = json(&admin, format!("{base}/api/v1/pulse/series")).await;
    let id = series[0]["id"].as_i64().expect("a series");
    let rounds = json(&admin, format!("{base}/api/v1/pulse/series/{id}/rounds")).await;
    assert_eq!(
        rounds.as_array().expect("rounds").len(),
        53,
        "a year of weekly rounds and this week's"
    );
    let org = page(&admin, format!("{base}/admin/pulse/{id}")).await;
    assert!(org.contains("Elena Rossi&#39;s organisation (7 teams)"));
    let success = org
        .split("Customer Success</a>")
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .expect("Customer Success row")
        .to_string();
    assert!(success.contains("round 52"), "{success}");
    let teams = json(&admin, format!("{base}/api/v1/pulse/events")).await;
    assert_eq!(teams[0]["kind"], "reorganisation");
    let platform = teams[0]["teams"][0].as_i64().expect("team");
    let trend = page(&admin, format!("{base}/pulse/{id}/teams/{platform}")).await;
    assert!(trend.contains("Did trust hold through the change?"));

    let tomas = signed_in(&base, "tomas.varga@demo.trustloop.test", "demo-member-2026").await;
    let mine = page(&tomas, format!("{base}/me")).await;
    assert!(mine.contains("Your team pulse") && mine.contains("Answer this round"));
}

#[tokio::test]
async fn the_demo_shows_trust_going_with_attrition_across_its_teams() {
    let (base, _dir) = demo_server().await;
    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;

    let outcomes = page(&admin, format!("{base}/admin/outcomes")).await;
    assert!(
        outcomes.contains("<strong>Attrition</strong>") && outcomes.contains("Engagement score"),
        "{outcomes}"
    );
    let quarter = outcomes
        .split("value=\"")
        .filter_map(|v| v.split('"').next())
        .find(|v| v.ends_with(" Attrition"))
        .expect("an attrition quarter to choose")
        .to_string();
    let shown = page(
        &admin,
        format!(
            "{base}/admin/outcomes?campaign=1&of={}",
            quarter.replace(' ', "+")
        ),
    )
    .await;
    assert!(
        shown.contains("data-testid=\"association-1\">Across ")
            && shown.contains("lower Attrition")
            && shown.contains("<circle"),
        "{shown}"
    );
}

#[tokio::test]
async fn the_demo_has_a_year_of_feedback_open_requests_and_counts_for_admins() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;
    let first = page(&maya, format!("{base}/feedback")).await;
    assert!(
        first.contains("data-testid=\"show-all\""),
        "older items wait behind a link"
    );
    let feedback = page(&maya, format!("{base}/feedback?all=yes")).await;
    assert!(!feedback.contains("data-testid=\"show-all\""));
    assert!(
        feedback.matches("data-testid=\"received-item\"").count()
            > first.matches("data-testid=\"received-item\"").count()
    );
    for shown in [
        "Elena Rossi</strong> asks for feedback on: How I announced the reorganisation",
        "from Tomas Varga",
        "anonymous",
        "delivered with 4 other anonymous item(s)",
        "Your reply (",
        "How I ran the quarterly planning",
        "data-testid=\"feedback-counts\"",
    ] {
        assert!(feedback.contains(shown), "Maya's feedback shows {shown:?}");
    }
    let json = json(&maya, format!("{base}/api/v1/me/feedback")).await;
    let items = json["items"].as_array().expect("items");
    assert!(items.len() >= 20, "a year of feedback: {}", items.len());
    assert!(json["periods"].as_array().expect("periods").len() >= 3);
    assert!(json["helpful_share"].as_u64().is_some());

    let tomas = signed_in(&base, "tomas.varga@demo.trustloop.test", "demo-member-2026").await;
    let his = page(&tomas, format!("{base}/feedback")).await;
    assert!(
        his.contains("Maya Okafor</strong> asks for feedback on: How I ran the quarterly planning")
    );
    assert!(his.contains("they found it helpful") && his.contains("Their reply"));

    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;
    let counts = page(&admin, format!("{base}/admin/feedback")).await;
    assert!(
        counts.contains("<th scope=\"row\">Platform</th>"),
        "{counts}"
    );
    assert!(
        !counts.contains("hiring plan"),
        "admins see counts, never contents"
    );
}

#[tokio::test]
async fn the_demo_leader_has_a_repair_under_way_whose_chart_shows_recovery_and_one_just_recorded() {
    let (base, _dir) = demo_server().await;
    let maya = signed_in(&base, "maya.okafor@demo.trustloop.test", "demo-leader-2026").await;
    let list = page(&maya, format!("{base}/repair")).await;
    assert!(
        list.contains("4 of 4 steps") && list.contains("0 of 4 steps"),
        "{list}"
    );
    let repairs = json(&maya, format!("{base}/api/v1/me/repairs")).await;
    let repairs = repairs.as_array().expect("repairs");
    assert_eq!(repairs.len(), 2);
    assert_eq!(
        repairs[0]["next_step"], "acknowledge",
        "the newest is just recorded"
    );
    let under_way = &repairs[1];
    assert_eq!(under_way["recovery"], "anonymous");
    let overall: Vec<f64> = under_way["rounds"]
        .as_array()
        .expect("rounds")
        .iter()
        .map(|r| {
            assert_eq!(r["shown"], "yes", "every round has k answers: {r}");
            r["scores"]
                .as_array()
                .expect("scores")
                .iter()
                .find(|s| s["measure"] == "overall")
                .expect("overall")["mean"]
                .as_f64()
                .expect("mean")
        })
        .collect();
    assert_eq!(overall.len(), 3);
    assert!(
        overall[0] < overall[1] && overall[1] < overall[2],
        "trust recovers: {overall:?}"
    );
    let id = under_way["id"].as_i64().expect("id");
    let repair = page(&maya, format!("{base}/repair/{id}")).await;
    assert!(repair.contains("data-testid=\"recovery-chart\""));
    assert!(repair.contains("Give the Platform team the lost week back"));
    assert!(repair.contains("href=\"/learn/trust-after-a-breach\""));

    let admin = signed_in(&base, "admin@demo.trustloop.test", "demo-admin-2026").await;
    let counts = page(&admin, format!("{base}/admin/repairs")).await;
    assert!(counts.contains("Platform") && !counts.contains("lost week"));
}
