//! Segment views' filter form ([`SegmentViewStore`]); what the views show is in
//! `disclosures.rs`.

use crate::helpers::*;
use trustloop_storage::*;

// ------------------------------------------------------------------------------ segment views
pub(crate) async fn attribute_values_list_everyones_attributes_with_few_enough_values(
    store: DynStore,
) {
    let mut rows = Vec::new();
    for (i, location) in ["Lisbon", "London", "Lisbon", "Porto"].iter().enumerate() {
        let mut r = row(&format!("P{i}"), &format!("p{i}@example.org"), None, None);
        r.attributes = vec![
            ("employee_no".into(), format!("E{i}")),
            ("location".into(), (*location).into()),
        ];
        rows.push(r);
    }
    rows.push(row("No attributes", "none@example.org", None, None));
    import(&store, rows).await.expect("imported");
    let values = store.attribute_values(3).await.expect("values");
    assert_eq!(
        values,
        vec![
            ("employee_no".to_string(), None),
            (
                "location".to_string(),
                Some(vec!["Lisbon".into(), "London".into(), "Porto".into()])
            ),
        ]
    );
    let all = store.attribute_values(4).await.expect("values");
    assert_eq!(all[0].1.as_ref().map(Vec::len), Some(4));
}
