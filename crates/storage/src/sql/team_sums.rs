//! The running sums of each team's answers in a campaign (`team_aggregates`): the one list of
//! their columns, the statement that adds a batch's answers to them, and how they are read.

use super::{Backend, SqlStore, row_placeholders};
use crate::{CampaignId, StoreError, StoreResult};
use sqlx::Row;
use std::sync::LazyLock;
use trustloop_domain::analytics::{Sums, TeamSums};
use trustloop_storage_macros::sql_impl;

/// The columns of the measures named, in order: n, sum and sum of squares of each.
macro_rules! measure_columns {
    ($($measure:literal),+) => {
        [
            "team",
            "respondents",
            $(
                concat!("m", $measure, "_n"),
                concat!("m", $measure, "_sum"),
                concat!("m", $measure, "_sum_sq"),
            )+
        ]
    };
}

/// The columns of `team_aggregates` after the campaign, in [`TeamSums`] order: team,
/// respondents, then n, sum and sum of squares of each of the four measures. Every statement
/// and read of the sums is made from this list.
pub(crate) const TEAM_SUM_COLUMNS: [&str; 14] = measure_columns!(0, 1, 2, 3);

/// The columns of [`TEAM_SUM_COLUMNS`] read: all, or all but the sums of squares when only the
/// means are wanted (formatting floating-point numbers as text is most of SQLite's cost).
pub(crate) fn team_sum_columns(squares: bool) -> impl Iterator<Item = &'static str> {
    TEAM_SUM_COLUMNS
        .into_iter()
        .filter(move |c| squares || !c.ends_with("_sum_sq"))
}

/// The SELECT list of [`team_sum_columns`].
pub(crate) fn team_sum_list(squares: bool) -> String {
    team_sum_columns(squares).collect::<Vec<_>>().join(", ")
}

/// A team's sums from values in [`team_sum_columns`] order (the sums of squares, unless
/// `squares`, left at zero), read by `int(n)` and `float(n)`: the `n`th value as an integer or
/// a floating-point number. How every reader of the sums turns a row into [`TeamSums`].
pub(crate) fn team_sums_from<E>(
    squares: bool,
    int: impl Fn(usize) -> Result<i64, E>,
    float: impl Fn(usize) -> Result<f64, E>,
) -> Result<TeamSums, E> {
    let per_measure = if squares { 3 } else { 2 };
    let mut sums = TeamSums {
        respondents: int(1)? as u64,
        ..TeamSums::default()
    };
    for (m, measure) in sums.measures.iter_mut().enumerate() {
        let first = 2 + per_measure * m;
        *measure = Sums {
            n: int(first)? as u64,
            sum: float(first + 1)?,
            sum_sq: if squares { float(first + 2)? } else { 0.0 },
        };
    }
    Ok(sums)
}

/// Reads team sums read column by column by [`SqlStore::read_team_sums`]: each column's values
/// of every team joined by ASCII 30, in [`team_sum_columns`] order (without the sums of
/// squares, left at zero, unless `squares`). `None` when the columns do not hold the same
/// number of values (a team name holding the separator).
pub(crate) fn parse_team_sums(
    columns: &[String],
    squares: bool,
) -> Option<Vec<(String, TeamSums)>> {
    if columns.len() != team_sum_columns(squares).count() {
        return None;
    }
    let values: Vec<Vec<&str>> = columns
        .iter()
        .map(|c| c.split('\u{1e}').collect())
        .collect();
    let teams = values[0].len();
    if values.iter().any(|column| column.len() != teams) {
        return None;
    }
    (0..teams)
        .map(|t| {
            let sums = team_sums_from(
                squares,
                |n| values[n][t].parse().ok().ok_or(()),
                |n| values[n][t].parse().ok().ok_or(()),
            )
            .ok()?;
            Some((values[0][t].to_string(), sums))
        })
        .collect()
}

/// What [`aggregate_upsert`] does to a team that already has sums: adds the batch's to them.
static AGGREGATE_ADD: LazyLock<String> = LazyLock::new(|| {
    let added: Vec<String> = TEAM_SUM_COLUMNS[1..]
        .iter()
        .map(|c| format!("{c} = team_aggregates.{c} + excluded.{c}"))
        .collect();
    format!(
        "ON CONFLICT (campaign_id, team) DO UPDATE SET {}",
        added.join(", ")
    )
});

/// Adds direct reports' answers to their teams' running sums: the statement for `teams` rows
/// of campaign, then the [`TEAM_SUM_COLUMNS`] (team, respondents, then n, sum and sum of squares
/// for each of the four measures).
pub(crate) fn aggregate_upsert<DB: Backend>(teams: usize) -> String {
    format!(
        "INSERT INTO team_aggregates (campaign_id, {}) VALUES {} {}",
        TEAM_SUM_COLUMNS.join(", "),
        row_placeholders::<DB>(teams, 1 + TEAM_SUM_COLUMNS.len()),
        *AGGREGATE_ADD
    )
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// Each team's running sums in a campaign, by team name; the sums of squares are read only
    /// when `squares` (left at zero otherwise).
    pub(crate) async fn read_team_sums(
        &self,
        campaign: CampaignId,
        squares: bool,
    ) -> StoreResult<Vec<(String, TeamSums)>> {
        if let Some(native) = &self.native {
            let native = native.clone();
            return tokio::task::spawn_blocking(move || native.team_sums(campaign.0))
                .await
                .map_err(|e| StoreError::Corrupt(format!("reading team sums: {e}")))?;
        }
        if DB::ROWS_ARE_CHEAP {
            return self.team_sums_row_by_row(campaign, squares).await;
        }
        // One row holding each column's values of every team joined by ASCII 30, instead of
        // ~10,000 rows: the SQLite driver hands each row between threads, which cost more than
        // the whole query; and one text per column, instead of one per team joined with `||`,
        // since every `||` copies the text so far (together 33 → 23 ms at 9,054 teams). The
        // aggregates of one query see the rows in the same order, so the nth value of every
        // column is the same team's. A team name holding the separator is read row by row.
        let names: Vec<&str> = team_sum_columns(squares).collect();
        let columns = names
            .iter()
            .map(|c| format!("{}(CAST({c} AS TEXT), {}(30))", DB::STRING_AGG, DB::CHR))
            .collect::<Vec<_>>()
            .join(", ");
        let row = sqlx::query(&format!(
            "SELECT {columns} FROM team_aggregates WHERE campaign_id = $1"
        ))
        .bind(campaign.0)
        .fetch_one(&self.pool)
        .await?;
        let columns: Vec<Option<String>> = (0..names.len())
            .map(|n| row.try_get(n))
            .collect::<Result<_, _>>()?;
        let Some(columns) = columns.into_iter().collect::<Option<Vec<String>>>() else {
            return Ok(Vec::new());
        };
        if let Some(mut teams) = parse_team_sums(&columns, squares) {
            teams.sort_by(|a, b| a.0.cmp(&b.0));
            return Ok(teams);
        }
        self.team_sums_row_by_row(campaign, squares).await
    }

    /// [`Self::read_team_sums`] one row per team.
    async fn team_sums_row_by_row(
        &self,
        campaign: CampaignId,
        squares: bool,
    ) -> StoreResult<Vec<(String, TeamSums)>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM team_aggregates WHERE campaign_id = $1",
            team_sum_list(squares)
        ))
        .bind(campaign.0)
        .fetch_all(&self.pool)
        .await?;
        let mut teams = rows
            .iter()
            .map(|row| {
                let sums = team_sums_from(squares, |n| row.try_get(n), |n| row.try_get(n))?;
                Ok((row.try_get(0)?, sums))
            })
            .collect::<StoreResult<Vec<(String, TeamSums)>>>()?;
        // In Rust's order of names (that of SQLite's default collation), not the database's.
        teams.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(teams)
    }
}

#[cfg(test)]
mod team_sums_text {
    use super::parse_team_sums;

    #[test]
    fn team_sums_read_column_by_column_are_paired_back_and_a_name_holding_a_separator_falls_back() {
        let teams = [("Platform", 6u64), ("Sales, 2", 5)];
        let column = |value: &dyn Fn(&str, u64) -> String| {
            teams
                .iter()
                .map(|(t, r)| value(t, *r))
                .collect::<Vec<_>>()
                .join("\u{1e}")
        };
        let mut columns = vec![column(&|t, _| t.to_string()), column(&|_, r| r.to_string())];
        for m in 0..4 {
            columns.push(column(&|_, r| (r - m).to_string()));
            columns.push(column(&|_, r| format!("{}", 75.25 * (r - m) as f64)));
            columns.push(column(&|_, r| format!("{}e+15", r + m)));
        }
        let read = parse_team_sums(&columns, true).expect("parsed");
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].0, "Sales, 2");
        assert_eq!(read[0].1.respondents, 6);
        assert_eq!(read[1].1.respondents, 5);
        assert_eq!(read[0].1.measures[1].n, 5);
        assert_eq!(read[0].1.measures[1].sum, 75.25 * 5.0);
        assert_eq!(read[1].1.measures[3].sum_sq, 8e15);
        // A name holding the separator makes the team column longer than the others.
        let mut odd = columns.clone();
        odd[0] = "Platform\u{1e}x\u{1e}Sales, 2".into();
        assert!(
            parse_team_sums(&odd, true).is_none(),
            "read row by row instead"
        );
        let mut short = columns.clone();
        short[13] = "1".into();
        assert!(parse_team_sums(&short, true).is_none());
        assert!(parse_team_sums(&columns[..13], true).is_none());

        // Without the sums of squares: every third column of each measure left out.
        let totals: Vec<String> = columns
            .iter()
            .enumerate()
            .filter(|(n, _)| *n < 2 || (n - 2) % 3 != 2)
            .map(|(_, c)| c.clone())
            .collect();
        assert_eq!(totals.len(), 10);
        assert!(parse_team_sums(&totals, true).is_none(), "column count");
        assert!(parse_team_sums(&columns, false).is_none(), "column count");
        let lean = parse_team_sums(&totals, false).expect("parsed");
        for ((team, full), (same, lean)) in read.iter().zip(&lean) {
            assert_eq!(team, same);
            assert_eq!(full.respondents, lean.respondents);
            for (a, b) in full.measures.iter().zip(&lean.measures) {
                assert_eq!((a.n, a.sum, 0.0), (b.n, b.sum, b.sum_sq));
            }
        }
    }
}
