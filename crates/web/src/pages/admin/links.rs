//! Issuing a campaign's survey links to an admin, on a page or as CSV, shown once. The links of
//! raters this admin nominated or approved are never shown to them: the page and the CSV say
//! how many were left out, for another admin to issue and send.

use super::campaigns::{Refused, campaign_page};
use crate::access::{Access, RouteSpec};
use crate::auth::FormPost;
use crate::error::AppResult;
use crate::extract::Id;
use crate::forms::field;
use crate::layout::Chrome;
use crate::pages::raters::refusal;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use trustloop_app::campaigns;
use trustloop_storage::{Campaign, CampaignId};

pub(super) fn routes() -> Vec<RouteSpec> {
    vec![RouteSpec::new("/admin/campaigns/{id}/links", Access::Admin).post(issue_links)]
}

/// The response header that says how many links were left out, for programs reading the CSV.
pub const WITHHELD_HEADER: &str = "x-trustloop-links-withheld";

/// One issued link.
pub struct LinkRow {
    leader: String,
    rater_name: String,
    rater_email: String,
    group: &'static str,
    url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/links.html")]
struct LinksPage {
    chrome: Chrome,
    campaign: Campaign,
    links: Vec<LinkRow>,
    withheld: u32,
}

/// What the admin is told about the links left out.
fn withheld_note(withheld: u32) -> String {
    format!(
        "{withheld} link(s) left out: you nominated or approved these raters, so another admin must create and send their links."
    )
}

/// Makes a CSV cell safe to open in a spreadsheet: quotes as needed and defuses formulas.
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[tracing::instrument(skip_all, fields(campaign = id))]
async fn issue_links(
    State(state): State<AppState>,
    Id(id): Id,
    post: FormPost,
) -> AppResult<Response> {
    links_answer(&state, id, post).await
}

/// Issues the links of campaign `id` as the form `post` asks (`format=csv` for CSV, `reissue=yes`
/// to replace the unanswered ones, `open=yes` to open the campaign first) and answers with
/// them, shown once.
async fn links_answer(state: &AppState, id: i64, post: FormPost) -> AppResult<Response> {
    let FormPost {
        signed_in,
        actor,
        fields,
    } = post;
    signed_in.require_admin()?;
    let reissue = field(&fields, "reissue") == "yes";
    // "Open and create the survey links": one step for what always follows opening.
    if field(&fields, "open") == "yes"
        && let Err(error) = campaigns::open(&state.app, &actor, CampaignId(id)).await
    {
        let refused = Refused::Opening(refusal(error)?);
        return campaign_page(state, &signed_in, CampaignId(id), Some(refused)).await;
    }
    let issued = match campaigns::issue_links(
        &state.app,
        &actor,
        &signed_in.user,
        CampaignId(id),
        reissue,
        &state.base_url,
    )
    .await
    {
        Ok(issued) => issued,
        Err(error) => {
            // A closed campaign needs no links: its page again says so, not an error page.
            let refused = Refused::Opening(refusal(error)?);
            return campaign_page(state, &signed_in, CampaignId(id), Some(refused)).await;
        }
    };
    let links: Vec<LinkRow> = issued
        .links
        .into_iter()
        .map(|link| LinkRow {
            leader: link.leader,
            rater_name: link.rater_name,
            rater_email: link.rater_email,
            group: link.group.label(),
            url: link.url,
        })
        .collect();
    let withheld = issued.withheld;
    if field(&fields, "format") == "csv" {
        let mut body = String::from("leader,rater_name,rater_email,group,link\n");
        for l in &links {
            body.push_str(&format!(
                "{},{},{},{},{}\n",
                csv_cell(&l.leader),
                csv_cell(&l.rater_name),
                csv_cell(&l.rater_email),
                csv_cell(l.group),
                csv_cell(&l.url)
            ));
        }
        if withheld > 0 {
            // A row of its own, with no link, so that whoever opens the file sees it.
            body.push_str(&format!("{},,,,\n", csv_cell(&withheld_note(withheld))));
        }
        let filename = format!("attachment; filename=\"campaign-{id}-links.csv\"");
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, filename),
                (header::CACHE_CONTROL, "no-store".to_string()),
                (
                    header::HeaderName::from_static(WITHHELD_HEADER),
                    withheld.to_string(),
                ),
            ],
            body,
        )
            .into_response());
    }
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        LinksPage {
            chrome: signed_in.chrome(),
            campaign: issued.campaign,
            links,
            withheld,
        },
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
    }

    #[test]
    fn the_note_on_withheld_links_says_who_must_send_them() {
        let note = withheld_note(2);
        assert!(note.starts_with("2 link(s) left out") && note.contains("another admin"));
        assert!(csv_cell(&note).starts_with('"'), "one cell, quoted: {note}");
    }
}
