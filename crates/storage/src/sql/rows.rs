//! What the SQL store's statements share: how values are written in the database (days,
//! ratings, attributes, JSON), placeholders in the backend's style, the column lists of the
//! records read in several places, and the functions that turn rows into records.

use super::{Backend, SqlStore};
use crate::records::*;
use crate::{StoreError, StoreResult};
use sqlx::Row;
use std::collections::BTreeMap;
use trustloop_domain::campaign::CampaignStatus;
use trustloop_domain::model::RaterGroup;
use trustloop_domain::privacy::PrivacyRules;
use trustloop_domain::rating::Rating;
use trustloop_domain::report::{Comment, Response};
use trustloop_storage_macros::sql_impl;

/// Ids per `IN (…)` list (well under both databases' limit on bound values: 32,766 for
/// SQLite, 65,535 for PostgreSQL).
pub(crate) const ID_BATCH: usize = 5000;

pub(crate) fn date_format() -> &'static [time::format_description::BorrowedFormatItem<'static>] {
    time::macros::format_description!("[year]-[month]-[day]")
}

pub(crate) fn format_date(date: time::Date) -> String {
    date.format(date_format()).expect("a date always formats")
}

pub(crate) fn parse_date(text: &str) -> StoreResult<time::Date> {
    time::Date::parse(text, date_format())
        .map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

pub(crate) fn parse_group(text: &str) -> StoreResult<RaterGroup> {
    RaterGroup::from_slug(text).ok_or_else(|| StoreError::Corrupt(format!("rater group {text:?}")))
}

/// A campaign's status as stored.
pub(crate) fn parse_status(text: &str) -> StoreResult<CampaignStatus> {
    CampaignStatus::from_slug(text)
        .ok_or_else(|| StoreError::Corrupt(format!("campaign status {text:?}")))
}

/// A stored rating value, written as text: 0 for "can't say", otherwise the scale point.
pub(crate) fn parse_rating(text: &str) -> StoreResult<Rating> {
    match text.parse::<u8>() {
        Ok(0) => Ok(Rating::CantSay),
        Ok(value @ 1..=10) => Ok(Rating::Score(value)),
        _ => Err(StoreError::Corrupt(format!("rating value {text:?}"))),
    }
}

/// A response's ratings as stored on its row: `code=value,…`, 0 for "can't say" (item codes
/// are lower-case letters and `_`, so neither separator can occur in one).
pub(crate) fn ratings_text(ratings: &BTreeMap<String, Rating>) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(ratings.len() * 12);
    for (code, rating) in ratings {
        let comma = if text.is_empty() { "" } else { "," };
        let _ = write!(text, "{comma}{code}={}", rating.to_stored());
    }
    text
}

/// The ratings [`ratings_text`] wrote.
pub(crate) fn parse_ratings(text: &str) -> StoreResult<BTreeMap<String, Rating>> {
    if text.is_empty() {
        return Ok(BTreeMap::new());
    }
    text.split(',')
        .map(|pair| {
            let (code, value) = pair
                .split_once('=')
                .ok_or_else(|| StoreError::Corrupt(format!("rating {pair:?}")))?;
            Ok((code.to_string(), parse_rating(value)?))
        })
        .collect()
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Turns a unique violation into a conflict that says `message`; other errors pass through.
pub(crate) fn conflict_on_unique(
    message: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::Conflict(message())
        } else {
            e.into()
        }
    }
}

/// A person's attributes as the JSON object stored in `people.attributes`, keys in byte order.
pub(crate) fn attributes_text(attributes: &[(String, String)]) -> StoreResult<String> {
    json_text(
        &attributes
            .iter()
            .map(|(n, v)| (n, v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A person's attributes from `people.attributes`, by name in byte order.
pub(crate) fn attributes_from_text(text: &str) -> StoreResult<BTreeMap<String, String>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))
}

/// `value` as JSON text, to be bound to one parameter.
pub(crate) fn json_text(value: &impl serde::Serialize) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("JSON: {e}")))
}

/// `(pF, pF+1, …)`: `count` placeholders numbered from `first`, for an `IN` list that follows
/// other placeholders (`$1` must then be written with [`placeholder`]).
pub(crate) fn numbered_placeholders<DB: Backend>(first: usize, count: usize) -> String {
    let mut text = String::with_capacity(count * 6 + 2);
    text.push('(');
    for n in 0..count {
        if n > 0 {
            text.push_str(", ");
        }
        DB::push_placeholder(&mut text, first + n);
    }
    text.push(')');
    text
}

/// The `n`th placeholder in the backend's style (`$n` or `?`), for statements that also use
/// [`numbered_placeholders`]: SQLite numbers `?` by position, so the two must not be mixed with
/// `$n`.
pub(crate) fn placeholder<DB: Backend>(n: usize) -> String {
    let mut text = String::new();
    DB::push_placeholder(&mut text, n);
    text
}

/// Placeholders for `rows` rows of `columns` values each, in the backend's style:
/// `($1, $2), ($3, $4)` or `(?, ?), (?, ?)`.
pub(crate) fn row_placeholders<DB: Backend>(rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 7);
    for r in 0..rows {
        if r > 0 {
            text.push_str(", ");
        }
        text.push('(');
        for c in 0..columns {
            if c > 0 {
                text.push_str(", ");
            }
            DB::push_placeholder(&mut text, r * columns + c + 1);
        }
        text.push(')');
    }
    text
}

pub(crate) const PERSON_COLUMNS: &str =
    "p.id, p.name, p.email, p.manager_id, t.name AS team, p.attributes";
pub(crate) const CAMPAIGN_COLUMNS: &str = "id, name, status, instrument_version, deadline, min_rater_group, min_team, min_segment, min_comments, closed_on";
pub(crate) const INVITATION_COLUMNS: &str =
    "id, leader_id, rater_group, rater_name, rater_email, token_hash";
pub(crate) const TOKEN_COLUMNS: &str =
    "id, user_id, name, scopes, created_at, last_used_at, revoked_at";
/// Responses with their ratings, for [`SqlStore::responses_from_rows`].
pub(crate) const RESPONSE_ROWS: &str = "SELECT id, leader_id, rater_group, ratings FROM responses";

/// The columns [`SqlStore::survey_invitation_from_row`] reads: an invitation (`i`) with its
/// campaign (`c`) and leader (`p`).
/// Whether it was answered is not in any row (see [`SealKey::ballot_mark`]): `completed` reads
/// 0 here and is set from the ballot marks by the caller where it matters.
pub(crate) const SURVEY_INVITATION_SELECT: &str = "SELECT i.id AS invitation_id, i.leader_id, i.rater_group, CAST(0 AS BIGINT) AS completed, p.name AS leader_name,
        c.id, c.name, c.status, c.instrument_version, c.deadline, c.min_rater_group, c.min_team, c.min_segment, c.min_comments, c.closed_on
 FROM invitations i JOIN campaigns c ON c.id = i.campaign_id JOIN people p ON p.id = i.leader_id";

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// The rows `select` (ending with `IN`) gives for `ids`, read on `conn` in lists of at most
    /// [`ID_BATCH`] ids.
    pub(crate) async fn rows_with_ids(
        conn: &mut DB::Connection,
        select: &str,
        ids: &[i64],
    ) -> StoreResult<Vec<DB::Row>> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ID_BATCH) {
            let sql = format!("{select} {}", row_placeholders::<DB>(1, chunk.len()));
            let select = Self::bind_ids(sqlx::query(&sql), chunk);
            rows.extend(select.fetch_all(&mut *conn).await?);
        }
        Ok(rows)
    }

    /// `query` with each of `ids` bound in order, after the values it has: for an `IN` list
    /// written by [`row_placeholders`] (or [`numbered_placeholders`] after other values).
    pub(crate) fn bind_ids<'q>(
        query: sqlx::query::Query<'q, DB, DB::Arguments<'q>>,
        ids: &'q [i64],
    ) -> sqlx::query::Query<'q, DB, DB::Arguments<'q>> {
        ids.iter().fold(query, |query, id| query.bind(*id))
    }

    pub(crate) fn campaign_from_row(row: &DB::Row) -> StoreResult<Campaign> {
        let status: String = row.try_get("status")?;
        let deadline: String = row.try_get("deadline")?;
        Ok(Campaign {
            id: CampaignId(row.try_get("id")?),
            name: row.try_get("name")?,
            status: parse_status(&status)?,
            instrument_version: row.try_get::<i64, _>("instrument_version")? as u32,
            deadline: parse_date(&deadline)?,
            closed_on: row
                .try_get::<Option<String>, _>("closed_on")?
                .as_deref()
                .map(parse_date)
                .transpose()?,
            rules: PrivacyRules {
                min_rater_group: row.try_get::<i64, _>("min_rater_group")? as u32,
                min_team: row.try_get::<i64, _>("min_team")? as u32,
                min_segment: row.try_get::<i64, _>("min_segment")? as u32,
                min_comments: row.try_get::<i64, _>("min_comments")? as u32,
            },
        })
    }

    pub(crate) fn user_from_row(row: &DB::Row) -> StoreResult<User> {
        let role: String = row.try_get("role")?;
        Ok(User {
            id: UserId(row.try_get("id")?),
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            role: Role::from_slug(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
            person_id: row.try_get::<Option<i64>, _>("person_id")?.map(PersonId),
            password_hash: row.try_get("password_hash")?,
        })
    }

    pub(crate) fn invitation_from_row(row: &DB::Row) -> StoreResult<Invitation> {
        Ok(Invitation {
            id: InvitationId(row.try_get("id")?),
            leader_id: PersonId(row.try_get("leader_id")?),
            group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
            rater_name: row.try_get("rater_name")?,
            rater_email: row.try_get("rater_email")?,
            has_link: row.try_get::<Option<String>, _>("token_hash")?.is_some(),
        })
    }

    pub(crate) fn token_from_row(row: &DB::Row) -> StoreResult<ApiToken> {
        Self::token_from_row_with_id(row, "id")
    }

    /// An API token from a row whose column `id` names the token's id.
    pub(crate) fn token_from_row_with_id(row: &DB::Row, id: &str) -> StoreResult<ApiToken> {
        let scopes: String = row.try_get("scopes")?;
        Ok(ApiToken {
            id: row.try_get(id)?,
            user_id: UserId(row.try_get("user_id")?),
            name: row.try_get("name")?,
            scopes: scopes.split_whitespace().map(String::from).collect(),
            created_at: row.try_get("created_at")?,
            last_used_at: row.try_get("last_used_at")?,
            revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
        })
    }

    pub(crate) fn responses_from_rows(
        rows: Vec<DB::Row>,
    ) -> StoreResult<Vec<(PersonId, Response)>> {
        rows.iter()
            .map(|row| {
                Ok((
                    PersonId(row.try_get("leader_id")?),
                    Response {
                        group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
                        ratings: parse_ratings(&row.try_get::<String, _>("ratings")?)?,
                    },
                ))
            })
            .collect()
    }

    pub(crate) fn people_from_rows(rows: Vec<DB::Row>) -> StoreResult<Vec<Person>> {
        rows.iter()
            .map(|row| {
                Ok(Person {
                    id: PersonId(row.try_get("id")?),
                    name: row.try_get("name")?,
                    email: row.try_get("email")?,
                    manager_id: row.try_get::<Option<i64>, _>("manager_id")?.map(PersonId),
                    team: row.try_get("team")?,
                    attributes: attributes_from_text(&row.try_get::<String, _>("attributes")?)?
                        .into_iter()
                        .collect(),
                })
            })
            .collect()
    }

    /// One leader's and group's counts of invitations, from a row of `progress`'s query.
    pub(crate) fn progress_from_row(row: &DB::Row) -> StoreResult<GroupProgress> {
        Ok(GroupProgress {
            leader_id: PersonId(row.try_get("leader_id")?),
            group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
            invited: row.try_get::<i64, _>("invited")? as u32,
            completed: row.try_get::<i64, _>("completed")? as u32,
        })
    }

    /// A comment from a row of `response_comments`.
    pub(crate) fn comment_from_row(row: &DB::Row) -> StoreResult<Comment> {
        Ok(Comment {
            group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
            code: row.try_get("question_code")?,
            text: row.try_get("body")?,
        })
    }

    /// A survey invitation from a row of [`SURVEY_INVITATION_SELECT`].
    pub(crate) fn survey_invitation_from_row(row: &DB::Row) -> StoreResult<SurveyInvitation> {
        Ok(SurveyInvitation {
            id: InvitationId(row.try_get("invitation_id")?),
            campaign: Self::campaign_from_row(row)?,
            leader_id: PersonId(row.try_get("leader_id")?),
            leader_name: row.try_get("leader_name")?,
            group: parse_group(&row.try_get::<String, _>("rater_group")?)?,
            completed: row.try_get::<i64, _>("completed")? != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::row_placeholders;

    #[test]
    fn placeholders_number_values_row_by_row_where_the_backend_numbers_them() {
        assert_eq!(
            row_placeholders::<sqlx::Postgres>(2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(row_placeholders::<sqlx::Postgres>(1, 1), "($1)");
        assert_eq!(row_placeholders::<sqlx::Sqlite>(2, 2), "(?, ?), (?, ?)");
    }
}
