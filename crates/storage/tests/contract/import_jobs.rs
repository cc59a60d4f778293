//! Background imports ([`ImportJobStore`]).

use crate::helpers::*;
use trustloop_storage::*;

pub(crate) async fn an_import_job_records_its_progress_and_problems(store: DynStore) {
    let id = store.create_import_job(1_700_000_000).await.expect("job");
    let started = store.import_job(id).await.expect("read");
    assert_eq!(
        started,
        ImportJob {
            id,
            status: ImportStatus::Running,
            total_rows: 0,
            processed: 0,
            message: String::new(),
            problems: Vec::new()
        }
    );
    let failed = ImportJob {
        id,
        status: ImportStatus::Failed,
        total_rows: 120,
        processed: 120,
        message: "The file has 2 problem(s); nothing was imported.".into(),
        problems: vec!["line 3: no email".into(), "line 9: \"x\" has no @".into()],
    };
    store.update_import_job(&failed).await.expect("updated");
    assert_eq!(store.import_job(id).await.expect("read"), failed);
    let other = store.create_import_job(1_700_000_001).await.expect("job");
    assert_ne!(other, id);
    let done = ImportJob {
        status: ImportStatus::Done,
        problems: Vec::new(),
        ..failed
    };
    store
        .update_import_job(&ImportJob { id: other, ..done })
        .await
        .expect("updated");
    assert_eq!(
        store.import_job(other).await.expect("read").status,
        ImportStatus::Done
    );
    assert!(is_not_found(&store.import_job(other + 100).await));
}

pub(crate) async fn the_latest_import_job_is_the_last_one_started(store: DynStore) {
    assert_eq!(store.latest_import_job().await.expect("none yet"), None);
    let first = store.create_import_job(1_700_000_000).await.expect("job");
    let second = store.create_import_job(1_700_000_100).await.expect("job");
    let mut failed = store.import_job(second).await.expect("read");
    failed.status = ImportStatus::Failed;
    failed.problems = vec!["line 3: no email".into()];
    store.update_import_job(&failed).await.expect("update");

    let latest = store.latest_import_job().await.expect("read");

    assert_eq!(latest, Some(failed));
    assert_ne!(first, second);
}
