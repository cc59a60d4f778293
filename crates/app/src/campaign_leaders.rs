//! Choosing many leaders at once: a list of emails or names typed or pasted, checked whole
//! before any is added, with every problem numbered.

use crate::{Actor, App, Error, Result};
use trustloop_domain::people::Email;
use trustloop_storage::{CampaignId, PeopleQuery, Person};

/// The most leaders added in one go (a list longer than this is most likely pasted by mistake).
pub const MAX_LEADERS_AT_ONCE: usize = 200;

/// The entries of a typed list: split on new lines, commas and semicolons, trimmed, empty ones
/// left out.
pub fn entries(typed: &str) -> Vec<&str> {
    typed
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect()
}

/// The person an entry names: by email when it holds an `@`, otherwise by their full name
/// (any case), which must name exactly one person.
async fn person_named(app: &App, entry: &str) -> Result<std::result::Result<Person, String>> {
    if entry.contains('@') {
        let Ok(email) = Email::parse(entry) else {
            return Ok(Err(format!("{entry:?} is not an email address")));
        };
        return Ok(app
            .store
            .person_by_email(&email)
            .await?
            .ok_or_else(|| format!("nobody with the email {email} is in the organisation")));
    }
    let (found, _) = app
        .store
        .people(&PeopleQuery {
            search: Some(entry.to_string()),
            offset: 0,
            limit: 20,
        })
        .await?;
    let mut named: Vec<Person> = found
        .into_iter()
        .filter(|p| p.name.to_lowercase() == entry.to_lowercase())
        .collect();
    Ok(match named.len() {
        1 => Ok(named.remove(0)),
        0 => Err(format!(
            "nobody is named {entry:?}; type their full name or their email"
        )),
        n => Err(format!(
            "{n} people are named {entry:?}; type the email of the one you mean"
        )),
    })
}

/// The people named in `typed` (emails or full names), each once, checked whole: when any
/// entry names nobody, several people, or someone in `already`, the message lists each
/// problem with its entry's number.
pub async fn resolve(app: &App, typed: &str, already: &[Person]) -> Result<Vec<Person>> {
    let entries = entries(typed);
    if entries.is_empty() {
        return Err(Error::Invalid(
            "Type the leaders' emails or full names, one per line.".into(),
        ));
    }
    if entries.len() > MAX_LEADERS_AT_ONCE {
        return Err(Error::Invalid(format!(
            "Add at most {MAX_LEADERS_AT_ONCE} leaders at once; this list has {}.",
            entries.len()
        )));
    }
    let mut chosen: Vec<Person> = Vec::new();
    let mut problems = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        match person_named(app, entry).await? {
            Ok(person) if already.iter().any(|l| l.id == person.id) => problems.push(format!(
                "{}. {} is already a leader in this campaign.",
                n + 1,
                person.name
            )),
            // Named twice in the list: added once.
            Ok(person) if chosen.iter().any(|c| c.id == person.id) => {}
            Ok(person) => chosen.push(person),
            Err(problem) => problems.push(format!("{}. {problem}.", n + 1)),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(format!(
            "No leader was added. Fix these and send the list again: {}",
            problems.join(" ")
        )));
    }
    Ok(chosen)
}

/// Adds `leaders` (from [`resolve`]) to `campaign`, each with the raters of their reporting
/// lines, and audited.
pub async fn add_resolved(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    leaders: &[Person],
) -> Result<()> {
    for person in leaders {
        crate::campaigns::add_leader(app, actor, campaign, person.email.as_str()).await?;
    }
    Ok(())
}

/// Adds every leader in `typed` (emails or full names) to `campaign`, with the raters of their
/// reporting lines, all or none (see [`resolve`]). Returns the names added.
#[tracing::instrument(skip_all, fields(campaign = %campaign))]
pub async fn add_leaders(
    app: &App,
    actor: &Actor,
    campaign: CampaignId,
    typed: &str,
) -> Result<Vec<String>> {
    let already = app.store.campaign_leaders(campaign).await?;
    let chosen = resolve(app, typed, &already).await?;
    add_resolved(app, actor, campaign, &chosen).await?;
    Ok(chosen.into_iter().map(|p| p.name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_is_split_on_lines_commas_and_semicolons() {
        assert_eq!(
            entries(" lee@example.org,\nDana Director ; \n\n pat@example.org "),
            ["lee@example.org", "Dana Director", "pat@example.org"]
        );
        assert!(entries(" ,\n; ").is_empty());
    }
}
