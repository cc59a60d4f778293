//! View models: what templates show, computed and formatted in Rust so templates only lay out.
//! Every number is written by [`trustloop_domain::display`], mostly through
//! [`crate::figures`], the figures the JSON API returns.

pub mod pulse;
mod report;

pub use report::{
    BarChart, Cell, Certainty, ChangeView, ColumnView, Count, Headline, ItemView, OthersView,
    ReportView, RowView, Segment, Tile,
};

use crate::figures::ShownMean;

/// A moment in Unix seconds as pages show it: `2026-03-01 09:30:00 UTC`.
pub fn utc_time(at: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
}

/// The heatmap's colour bands, lowest first: the class and the range of shown means it holds,
/// for the legend.
pub const HEAT_BANDS: [(&str, &str); 5] = [
    ("heat0", "0–19"),
    ("heat1", "20–39"),
    ("heat2", "40–59"),
    ("heat3", "60–79"),
    ("heat4", "80–100"),
];

/// A mean on 0–100 as a heatmap cell: the number as shown, and its colour band's class (chosen
/// from the number shown, so "80" is always in the top band).
pub fn heat_cell(mean: Option<f64>) -> (String, String) {
    match mean {
        // Five bands for the colour, so the table reads at a glance; the number is always shown.
        Some(m) => {
            let shown = ShownMean::of(m, None);
            (
                shown.mean,
                HEAT_BANDS[usize::from(shown.band)].0.to_string(),
            )
        }
        None => ("–".into(), "heat-none".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heat_cell_rounds_halves_away_from_zero_and_bands_the_shown_number() {
        assert_eq!(heat_cell(Some(80.5)), ("81".into(), "heat4".into()));
        assert_eq!(heat_cell(Some(79.5)), ("80".into(), "heat4".into()));
        assert_eq!(heat_cell(Some(79.4)), ("79".into(), "heat3".into()));
        assert_eq!(heat_cell(None), ("–".into(), "heat-none".into()));
    }
}
