//! Every figure a page shows is in the API: the report page and the measurement-quality page
//! mark each figure with a `data-testid` naming its JSON pointer in the API's response (the
//! report's headline scores are `score-{measure}`), and no number on the page goes unmarked.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use trustloop_domain::instrument::Instrument;
use trustloop_storage::Role;

/// Dana leads five leaders, each with three direct reports: enough leaders for percentiles, a
/// campaign's own reliability estimates and measurement quality.
const FIVE_TEAMS_CSV: &str = "name,email,manager_email,team\n\
Dana Director,dana@example.org,,Leadership\n\
Lee Leader,lee@example.org,dana@example.org,Platform\n\
Lou Leader,lou@example.org,dana@example.org,Sales\n\
Liv Leader,liv@example.org,dana@example.org,Support\n\
Leo Leader,leo@example.org,dana@example.org,Finance\n\
Lia Leader,lia@example.org,dana@example.org,People\n\
Ann Report,ann@example.org,lee@example.org,Platform\n\
Ben Report,ben@example.org,lee@example.org,Platform\n\
Cai Report,cai@example.org,lee@example.org,Platform\n\
Dot Report,dot@example.org,lou@example.org,Sales\n\
Eli Report,eli@example.org,lou@example.org,Sales\n\
Fay Report,fay@example.org,lou@example.org,Sales\n\
Gus Report,gus@example.org,liv@example.org,Support\n\
Hal Report,hal@example.org,liv@example.org,Support\n\
Ivy Report,ivy@example.org,liv@example.org,Support\n\
Jon Report,jon@example.org,leo@example.org,Finance\n\
Kim Report,kim@example.org,leo@example.org,Finance\n\
Lux Report,lux@example.org,leo@example.org,Finance\n\
Max Report,max@example.org,lia@example.org,People\n\
Ned Report,ned@example.org,lia@example.org,People\n\
Oli Report,oli@example.org,lia@example.org,People\n";

const LEADERS: [&str; 5] = [
    "Lee Leader",
    "Lou Leader",
    "Liv Leader",
    "Leo Leader",
    "Lia Leader",
];

/// A survey whose points vary with the leader, the rater and the statement (1–5), so that
/// scores, intervals and agreement differ; `cant_say` statements are answered "can't say".
fn varied_form(
    leader: usize,
    rater: usize,
    lift: usize,
    cant_say: &[usize],
) -> Vec<(String, String)> {
    let instrument = Instrument::current();
    let mut form: Vec<(String, String)> = instrument
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let point = if cant_say.contains(&i) {
                "cant_say".to_string()
            } else {
                // Leaders differ by their level, raters and statements by up to two points.
                let level = [1, 2, 2, 3, 2][leader % 5] + lift;
                (level + (rater + i) % 3).min(5).to_string()
            };
            (format!("item_{}", item.code), point)
        })
        .collect();
    form.push(("comment_start".into(), "Ask the quiet people first.".into()));
    form
}

/// Runs one campaign of the five leaders to its close: every rater answers; Lee's manager and
/// one of Lee's direct reports cannot say to the eighth statement (so that it is withheld), and
/// another to the fourth.
async fn run_campaign(admin: &Client, rater: &Client, name: &str, lift: usize) -> i64 {
    let leaders = LEADERS.map(|l| format!("{}@example.org", l[..3].to_lowercase()));
    let emails: Vec<&str> = leaders.iter().map(String::as_str).collect();
    let (id, links) = open_campaign_led_by(admin, name, &emails).await;
    for (i, link) in links.iter().enumerate() {
        let leader = LEADERS
            .iter()
            .position(|l| *l == link.leader)
            .expect("a leader of the campaign");
        let cant_say: &[usize] = match (leader, link.rater.as_str()) {
            (0, "Dana Director" | "Ann Report") => &[7],
            (0, "Ben Report") => &[3],
            _ => &[],
        };
        let r = answer(rater, &link.url, &varied_form(leader, i, lift, cant_say)).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{} for {}",
            link.rater,
            link.leader
        );
    }
    let r = admin
        .post_with_csrf(&format!("/admin/campaigns/{id}/close"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    id
}

/// Text with the character references askama writes decoded.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';').filter(|e| *e < 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Each marked figure of a page, (`data-testid`, the figure's text), and the page's text with
/// those figures and every tag taken out.
fn figures_of(html: &str) -> (Vec<(String, String)>, String) {
    const MARK: &str = "data-testid=\"";
    let main = html
        .split_once("<main")
        .and_then(|(_, m)| m.split_once('>'))
        .and_then(|(_, m)| m.split_once("</main>"))
        .map_or(html, |(m, _)| m);
    let mut figures = Vec::new();
    let mut rest_text = String::new();
    let mut rest = main;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at);
        // Keep what precedes the mark up to the start of its tag.
        let tag_start = before.rfind('<').expect("a mark inside a tag");
        rest_text.push_str(&before[..tag_start]);
        let after = &after[MARK.len()..];
        let (id, after) = after.split_once('"').expect("a closed attribute");
        let (_, after) = after.split_once('>').expect("a closed tag");
        let (text, after) = after.split_once('<').expect("text then a tag");
        figures.push((decode(id), decode(text).trim().to_string()));
        rest = after;
        rest_text.push('<');
    }
    rest_text.push_str(rest);
    let mut text = String::new();
    let mut in_tag = false;
    for c in rest_text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    (figures, decode(&text))
}

/// The value of a JSON pointer as the page would write it: a string as it is, a whole number in
/// digits. Anything else (a float, an object, nothing) is a figure the API does not give as shown.
fn as_shown(json: &Value, pointer: &str) -> Option<String> {
    match json.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

/// Checks every marked figure of `html` against `json`, and that no other number is on the
/// page once `constants` (phrases that are the same in every report) are taken out. Returns the
/// pointers checked.
fn assert_every_figure_is_in(
    html: &str,
    json: &Value,
    constants: &[&str],
    page: &str,
) -> Vec<String> {
    let (figures, text) = figures_of(html);
    let mut checked = Vec::new();
    for (id, shown) in &figures {
        let pointer = match id.strip_prefix("score-") {
            Some(measure) => {
                let row = json["rows"]
                    .as_array()
                    .expect("rows")
                    .iter()
                    .position(|r| r["measure"] == *measure)
                    .unwrap_or_else(|| panic!("{page}: no row {measure} in the API"));
                format!("/rows/{row}/others/shown/mean")
            }
            None => {
                assert!(
                    id.starts_with('/'),
                    "{page}: {id} is neither a pointer nor a headline score"
                );
                id.clone()
            }
        };
        assert_eq!(
            as_shown(json, &pointer).as_deref(),
            Some(shown.as_str()),
            "{page}: the figure {id} shows {shown:?}; the API has {:?}",
            json.pointer(&pointer)
        );
        checked.push(pointer);
    }
    let mut text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // The longest first, so that a shorter constant does not split a longer one.
    let mut constants = constants.to_vec();
    constants.sort_by_key(|c| std::cmp::Reverse(c.len()));
    for constant in constants {
        text = text.replace(constant, " ");
    }
    let unmarked: Vec<String> = text
        .match_indices(|c: char| c.is_ascii_digit())
        .map(|(at, _)| {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(30)
                .map_or(0, |(i, _)| i);
            let to = text[at..]
                .char_indices()
                .nth(30)
                .map_or(text.len(), |(i, _)| at + i);
            text[from..to]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert!(
        unmarked.is_empty(),
        "{page}: numbers on the page that are not figures of the API:\n{}",
        unmarked.join("\n")
    );
    checked
}

/// What every report says the same way: its scale, the Trust Index's weights and the
/// thresholds of the words (none is a figure of a leader).
const REPORT_CONSTANTS: &[&str] = &[
    "Spring trust 360",
    "0 (everyone strongly disagrees) to 100 (everyone strongly agrees)",
    "out of 100",
    "relationships 40%, judgement 30% and consistency 30%",
    "95%",
    "0–100",
    "0 25 50 75 100",
    "“Strongly disagree” counts 0, “Disagree” counts 25, “Neither agree nor disagree” counts 50, “Agree” counts 75, “Strongly agree” counts 100",
    "75 beside 75",
    "reaches 0.70",
    "0 or 100",
    "0 to 100",
    "1 when all the same, 0 when",
    "0.70 or more is strong, 0.50 or more moderate",
    "5% level",
    "at 95%",
    "ICC(1)",
    "360 ratings",
];

#[tokio::test]
async fn every_figure_on_the_report_page_is_in_the_api_response() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, FIVE_TEAMS_CSV).await;
    app.create_user(
        "lee@example.org",
        "Lee Leader",
        Role::Leader,
        Some("lee@example.org"),
    )
    .await;
    let rater = app.client();
    let first = run_campaign(&admin, &rater, "Autumn trust", 0).await;
    let id = run_campaign(&admin, &rater, "Spring trust 360", 1).await;
    let lee = app.signed_in("lee@example.org").await;

    let (status, html) = lee.get_text(&format!("/me/campaigns/{id}/report")).await;
    assert_eq!(status, StatusCode::OK);
    let api = lee.get(&format!("/api/v1/me/campaigns/{id}/report")).await;
    assert_eq!(api.status(), StatusCode::OK);
    let json: Value = api.json().await.expect("json");

    let checked = assert_every_figure_is_in(&html, &json, REPORT_CONSTANTS, "the report");

    // The page showed each kind of figure, so the check above covered it.
    let on_page = |prefix: &str, suffix: &str| {
        checked
            .iter()
            .any(|c| c.starts_with(prefix) && c.ends_with(suffix))
    };
    for (what, prefix, suffix) in [
        ("the Trust Index", "/rows/0/others/shown/mean", ""),
        ("an interval", "/rows/", "/others/shown/interval/1"),
        ("a percentile", "/rows/", "/shown/percentile"),
        (
            "a row's own reliability",
            "/rows/3/reliability/shown/single_rater",
            "",
        ),
        (
            "a reliability coefficient",
            "/rows/",
            "/others/shown/reliability_coefficient",
        ),
        ("the self score", "/rows/", "/shown/self_score"),
        ("an agreement", "/columns/", "/agreement/shown/value"),
        ("a statement's mean", "/items/", "/shown/mean"),
        ("a statement's spread", "/items/", "/cant_say"),
        ("a statement's spread", "/items/0/distribution/", ""),
        ("a withheld statement", "/items/7/n", ""),
        ("the self answer on 0–100", "/items/", "/shown/self_score"),
        ("a change", "/change/rows/0/shown/difference", ""),
        ("the group minimum", "/rules/min_rater_group", ""),
    ] {
        assert!(
            on_page(prefix, suffix),
            "{what} ({prefix}…{suffix}) is on the page and checked"
        );
    }
    assert_eq!(json["change"]["previous_campaign_id"], first);
    // The manager's one answer is shown as an answer, on the page and in the API.
    let manager = json["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .position(|c| c["group"] == "manager")
        .expect("a manager column");
    assert_eq!(json["rows"][0]["by_group"][manager]["answer"], true);
    assert!(checked.contains(&format!("/rows/0/by_group/{manager}/score/shown/mean")));
    // Full precision beside the shown text, the interval unclipped.
    let others = &json["rows"][0]["others"];
    let [low, high] = [0, 1].map(|i| others["ci95"][i].as_f64().expect("an end"));
    assert!(
        low < others["mean"].as_f64().expect("mean")
            && others["mean"].as_f64().expect("mean") < high
    );
    assert_eq!(
        others["shown"]["interval"][0].as_str().map(String::from),
        Some(trustloop_domain::display::interval_ends((low, high)).0)
    );
    let self_answer = &json["items"][0];
    assert_eq!(
        self_answer["self_score"].as_f64(),
        self_answer["self_point"].as_f64().map(|p| (p - 1.0) * 25.0),
        "the self answer on the others' 0–100 scale"
    );
}

#[tokio::test]
async fn every_figure_on_the_quality_page_is_in_the_api_response_at_full_precision() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    upload_people(&admin, FIVE_TEAMS_CSV).await;
    let rater = app.client();
    let id = run_campaign(&admin, &rater, "Spring trust 360", 0).await;

    let (status, html) = admin
        .get_text(&format!("/admin/campaigns/{id}/quality"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let json: Value = admin
        .get(&format!("/api/v1/campaigns/{id}/quality"))
        .await
        .json()
        .await
        .expect("json");

    let checked = assert_every_figure_is_in(
        &html,
        &json,
        &[
            "Spring trust 360",
            ".70 or more",
            ".80 or more",
            "below .30",
            "ICC(1)",
            "ICC(2)",
            "1 is full agreement, 0 no more",
            ".70 or more is strong, .50 or more moderate",
            "95% interval",
        ],
        "the quality page",
    );
    assert_eq!(json["assessed"], true);
    assert_eq!(json["leaders"], 5);
    for pointer in [
        "/elements/0/shown/alpha",
        "/elements/0/shown/alpha_ci95/0",
        "/trust_index/shown/icc1",
    ] {
        assert!(
            checked.iter().any(|c| c == pointer),
            "{pointer} is on the page"
        );
    }
    // Alpha at full precision inside its interval, and the meaning in words before the number.
    let element = &json["elements"][0];
    let alpha = element["alpha"].as_f64().expect("alpha");
    let [low, high] = [0, 1].map(|i| element["alpha_ci95"][i].as_f64().expect("an end"));
    assert!(
        low < alpha && alpha < high && high < 1.0,
        "{low} {alpha} {high}"
    );
    let meaning = element["shown"]["meaning"].as_str().expect("meaning");
    assert!(
        meaning.starts_with("Answers to the five relationships statements hang together"),
        "{meaning}"
    );
    let said = html.find(meaning).expect("the meaning is on the page");
    let number = html
        .find("data-testid=\"/elements/0/shown/alpha\"")
        .expect("alpha on the page");
    assert!(
        said < number,
        "the page says what alpha means before giving it"
    );
}
