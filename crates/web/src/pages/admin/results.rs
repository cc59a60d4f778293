//! What a closed campaign shows the admin: its measurement quality and trust by team.

use crate::access::{Access, RouteSpec};
use crate::auth::SignedIn;
use crate::client::ClientAddress;
use crate::error::AppResult;
use crate::extract::Id;
use crate::layout::Chrome;
use crate::state::AppState;
use crate::views::heat_cell;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use trustloop_app::campaigns::{self, MeasurementQuality};
use trustloop_app::heatmap;
use trustloop_domain::privacy::disclosure::Suppression;
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    let admin = |path| RouteSpec::new(path, Access::Admin);
    vec![
        admin("/admin/campaigns/{id}/quality").get(quality),
        admin("/admin/campaigns/{id}/teams").get(team_heatmap),
    ]
}

/// A figure formatted to two decimals, or a dash.
fn two(value: Option<f64>) -> String {
    value.map_or("–".into(), |v| format!("{v:.2}"))
}

/// One element's consistency, formatted.
pub struct ElementRow {
    label: &'static str,
    n: usize,
    alpha: String,
    omega: String,
    items: Vec<(String, String)>,
    icc1: String,
    icc2: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/quality.html")]
struct QualityPage {
    chrome: Chrome,
    campaign: Campaign,
    quality: Option<(usize, usize)>,
    elements: Vec<ElementRow>,
    groups: Vec<(&'static str, usize, String, String)>,
    trust_icc: (String, String),
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn quality(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<QualityPage> {
    signed_in.require_admin()?;
    let MeasurementQuality {
        campaign,
        instrument,
        assessed,
    } = campaigns::measurement_quality(&state.app, CampaignId(id)).await?;
    let icc_of = |q: &trustloop_domain::quality::InstrumentQuality, element| {
        let icc = q
            .icc
            .iter()
            .find(|m| m.element == element)
            .and_then(|m| m.icc.as_ref());
        (two(icc.map(|i| i.icc1)), two(icc.and_then(|i| i.icc2)))
    };
    let (elements, groups, trust_icc) = match &assessed {
        Some(q) => (
            q.elements
                .iter()
                .map(|e| {
                    let (icc1, icc2) = icc_of(q, Some(e.element));
                    ElementRow {
                        label: e.element.label(),
                        n: e.complete_respondents,
                        alpha: two(e.alpha),
                        omega: two(e.omega),
                        items: e
                            .item_total
                            .iter()
                            .map(|(code, r)| {
                                let text = instrument
                                    .item(code)
                                    .map_or(code.clone(), |i| i.others_text.clone());
                                (text, two(*r))
                            })
                            .collect(),
                        icc1,
                        icc2,
                    }
                })
                .collect(),
            q.groups
                .iter()
                .map(|g| (g.group.label(), g.leaders, two(g.rwg_j), two(g.awg_j)))
                .collect(),
            icc_of(q, None),
        ),
        None => (Vec::new(), Vec::new(), ("–".into(), "–".into())),
    };
    Ok(QualityPage {
        chrome: signed_in.chrome(),
        campaign,
        quality: assessed.as_ref().map(|q| (q.leaders, q.responses)),
        elements,
        groups,
        trust_icc,
    })
}

/// One heatmap row, formatted.
pub struct HeatRow {
    team: String,
    respondents: String,
    cells: Vec<(String, String)>,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/teams.html")]
struct TeamsPage {
    chrome: Chrome,
    campaign: Campaign,
    rows: Vec<HeatRow>,
    total: Option<HeatRow>,
    k: u32,
}

/// Why a heatmap row is hidden, in words for the admin, under minimum group size `k`.
fn hidden_note(hidden: Option<Suppression>, k: u32) -> String {
    match hidden {
        Some(Suppression::TooFew) => "too few answers to show".into(),
        Some(Suppression::Complementary) => {
            "hidden so that a smaller team cannot be worked out from the total".into()
        }
        Some(Suppression::Overlap) => format!(
            "hidden because, with figures already shown of this campaign, it would single out fewer than {k} people"
        ),
        None => String::new(),
    }
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn team_heatmap(
    State(state): State<AppState>,
    address: ClientAddress,
    signed_in: SignedIn,
    Id(id): Id,
) -> AppResult<TeamsPage> {
    signed_in.require_admin()?;
    let actor = address.actor(&signed_in.user.email);
    let (campaign, map) = heatmap::team_results(&state.app, &actor, CampaignId(id), "").await?;
    let k = campaign.rules.min_team;
    let rows = map
        .rows
        .iter()
        .map(|r| HeatRow {
            team: r.team.clone(),
            respondents: r.respondents.map_or("–".into(), |n| n.to_string()),
            cells: r.means.iter().map(|m| heat_cell(*m)).collect(),
            note: hidden_note(r.hidden, k),
        })
        .collect();
    let total = map.total.as_ref().map(|t| HeatRow {
        team: "Whole organisation".into(),
        respondents: t.respondents.map_or("–".into(), |n| n.to_string()),
        cells: t.means.iter().map(|m| heat_cell(*m)).collect(),
        note: hidden_note(t.hidden, k),
    });
    Ok(TeamsPage {
        chrome: signed_in.chrome(),
        k: campaign.rules.min_team,
        campaign,
        rows,
        total,
    })
}
