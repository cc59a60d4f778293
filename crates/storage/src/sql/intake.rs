//! Answer intake: answers arriving together are committed in one transaction (group commit),
//! each kept sealed until its rater group has k answers waiting (or the campaign closes), and
//! then written to the readable tables in random order. Every step works on the whole batch
//! with a few multi-row statements, so the cost of a commit is shared by every answer in it.

use super::*;
use crate::seal::Purpose;
use rand::seq::SliceRandom;
use sqlx::Connection as _;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;
use trustloop_domain::privacy::{GroupPlan, plan_rater_groups};

/// One answer waiting for the intake task, and where to send its outcome.
pub(super) struct IntakeJob {
    pub(super) sent: Sent,
    pub(super) today: time::Date,
    pub(super) reply: oneshot::Sender<StoreResult<()>>,
}

/// An answer as it reaches the intake.
pub(super) enum Sent {
    /// Answers already checked against their invitation's instrument.
    Checked(InvitationId, SurveyAnswers),
    /// A survey form sent to a link: the hash of the link's token and the form's fields, and
    /// the form already checked against each instrument version then known (`None` where it
    /// does not fit). The intake finds the forms' invitations in one query, so that the
    /// request handler reads nothing from the database, and takes the check made against the
    /// invitation's instrument (making it only for a version not known when the form came).
    Form(
        String,
        Vec<(String, String)>,
        Vec<(u32, Option<SurveyAnswers>)>,
    ),
}

/// What a form whose link is unknown, or whose answers do not fit the survey, is refused with.
fn form_refused() -> StoreError {
    StoreError::NotFound("an invitation these answers fit")
}

/// Each answer of a batch with where to send its outcome.
type Replies = Vec<(oneshot::Sender<StoreResult<()>>, StoreResult<()>)>;

/// Flushes the log after a batch's commit and then answers the batch's answers: as committed
/// if the flush worked, as failed if it did not (the answers may still be in the database, but
/// the intake cannot say they will outlive a power cut). Runs on a blocking thread while the
/// intake writes the next batches; flushes may overlap, each covering every write made before
/// it started, so each batch is answered as soon as its own flush is done.
fn flush_then_answer(log: &std::path::Path, replies: Replies) {
    match std::fs::File::open(log).and_then(|file| file.sync_data()) {
        Ok(()) => {
            for (reply, outcome) in replies {
                let _ = reply.send(outcome);
            }
        }
        Err(error) => {
            tracing::error!(%error, answers = replies.len(), "the log of committed answers could not be flushed; their senders are told they were not stored");
            for (reply, _) in replies {
                let _ = reply.send(Err(sqlx::Error::Io(std::io::Error::new(
                    error.kind(),
                    error.to_string(),
                ))
                .into()));
            }
        }
    }
}

/// The most answers one intake transaction commits together.
pub(super) const INTAKE_BATCH: usize = 1024;

/// How often, at most, the intake task starts a background checkpoint.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Rows per multi-row INSERT of released answers (at most 15 values a row: well under both
/// databases' limits on bound values).
const WRITE_ROWS: usize = 1000;

/// What a sealed waiting answer holds: the answers, and a direct report's attributes. Who
/// answered is not in it.
#[derive(serde::Serialize, serde::Deserialize)]
struct PendingAnswer {
    answers: SurveyAnswers,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    attributes: BTreeMap<String, String>,
}

/// An answer to release: its `pending_answers` id (none for an answer of the batch being
/// committed, which was never written there), leader, group and content.
type Opened = (Option<i64>, i64, RaterGroup, PendingAnswer);

/// A released answer's new response id, scores and sealed attributes.
type Released = (String, Contribution, Option<Vec<u8>>);

/// A team's share of a batch: respondents, and n, sum and sum of squares of each measure.
type TeamDelta = (i64, [(i64, f64, f64); 4]);

/// The rater group of one leader in one campaign: the unit answers are released in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Cell {
    campaign: i64,
    leader: i64,
    group: RaterGroup,
}

/// The invitations of a batch by id: the invitation if it can still be answered, with its
/// campaign's status and deadline.
type Found = HashMap<i64, (Option<Accepted>, String, time::Date)>;

/// How an answer names its invitation.
enum Key<'a> {
    Id(i64),
    Hash(&'a str),
}

/// What an accepted invitation says about where its answer goes.
struct Accepted {
    cell: Cell,
    /// A direct report's attributes (location, function…), kept with the answer.
    attributes: BTreeMap<String, String>,
    /// Answers that must be waiting before the cell is released.
    batch: i64,
    /// The campaign's instrument version.
    instrument: u32,
    /// The leader's team now: a direct report's released answer counts for it.
    team: Option<String>,
}

/// What releasing a batch's answers needs to know of each campaign and leader in it.
#[derive(Default)]
struct Context {
    /// Each campaign's instrument version.
    instruments: BTreeMap<i64, u32>,
    /// Each leader's team.
    teams: HashMap<i64, String>,
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    /// A store over `pool`, with the intake task that commits answers arriving together in
    /// one transaction. `log` is the write-ahead log the intake flushes itself, where the
    /// backend has one per database file (SQLite; see [`Backend::COMMIT_WITHOUT_FLUSH`]). Must
    /// be called inside a Tokio runtime; the task ends when the last clone of the store is
    /// dropped. `native` answers the reads the backend makes faster outside the pool.
    pub(crate) fn new(
        pool: Pool<DB>,
        key: SealKey,
        log: Option<PathBuf>,
        native: Option<Arc<dyn NativeReads>>,
    ) -> Self {
        let key = Arc::new(key);
        let instruments: Instruments = Arc::default();
        let (intake, jobs) = mpsc::channel(4 * INTAKE_BATCH);
        let log = log.filter(|_| DB::COMMIT_WITHOUT_FLUSH.is_some());
        tokio::spawn(Self::intake_task(
            pool.clone(),
            key.clone(),
            instruments.clone(),
            log,
            jobs,
        ));
        SqlStore {
            pool,
            key,
            intake,
            instruments,
            native,
        }
    }

    /// Takes the answers that are waiting, up to [`INTAKE_BATCH`], and commits them in one
    /// transaction (group commit): one durable commit for many answers, each reply sent only
    /// after it. If that transaction fails, each answer is tried again alone, so one bad
    /// answer cannot sink the others.
    ///
    /// With a `log` to flush, the batches are committed on a connection of the intake's own
    /// that does not flush the log at commit; the intake flushes it (`fdatasync`) outside the
    /// write lock on a blocking thread, while the next batch is being written, and answers a
    /// batch as soon as its flush is done. The flush of the log at commit took a third of the
    /// intake's time, all of it holding the only write lock.
    async fn intake_task(
        pool: Pool<DB>,
        key: Arc<SealKey>,
        instruments: Instruments,
        log: Option<PathBuf>,
        mut jobs: mpsc::Receiver<IntakeJob>,
    ) {
        let mut batch: Vec<IntakeJob> = Vec::with_capacity(INTAKE_BATCH);
        let mut last_checkpoint = std::time::Instant::now();
        let checkpointing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut own: Option<DB::Connection> = None;
        loop {
            if jobs.recv_many(&mut batch, INTAKE_BATCH).await == 0 {
                break;
            }
            let answers: Vec<(&Sent, time::Date)> =
                batch.iter().map(|job| (&job.sent, job.today)).collect();
            let result = match &log {
                Some(_) => match Self::own_connection(&pool, &mut own).await {
                    Ok(conn) => Self::accept_batch(conn, &key, &instruments, &answers, false).await,
                    Err(error) => Err(error),
                },
                None => Self::accept_on_pool(&pool, &key, &instruments, &answers).await,
            };
            if let Some(checkpoint) = DB::BACKGROUND_CHECKPOINT
                && last_checkpoint.elapsed() >= CHECKPOINT_EVERY
                && !checkpointing.load(std::sync::atomic::Ordering::Relaxed)
            {
                // Copies the log back into the database on another connection, so that the
                // next batches do not wait for it.
                last_checkpoint = std::time::Instant::now();
                checkpointing.store(true, std::sync::atomic::Ordering::Relaxed);
                let (pool, checkpointing) = (pool.clone(), checkpointing.clone());
                tokio::spawn(async move {
                    if let Err(error) = sqlx::query(checkpoint).execute(&pool).await {
                        tracing::warn!(%error, "background checkpoint failed");
                    }
                    checkpointing.store(false, std::sync::atomic::Ordering::Relaxed);
                });
            }
            match result {
                Ok(outcomes) => {
                    let replies: Replies =
                        batch.drain(..).map(|job| job.reply).zip(outcomes).collect();
                    match &log {
                        Some(log) => {
                            let log = log.clone();
                            tokio::task::spawn_blocking(move || flush_then_answer(&log, replies));
                        }
                        None => {
                            for (reply, outcome) in replies {
                                let _ = reply.send(outcome);
                            }
                        }
                    }
                }
                Err(error) => {
                    // Whatever failed, the next batch starts on a fresh connection; these
                    // answers are tried one by one on the pool's, which flush at commit.
                    own = None;
                    if batch.len() == 1 {
                        let _ = batch.pop().expect("one job").reply.send(Err(error));
                        continue;
                    }
                    tracing::warn!(%error, answers = batch.len(), "a group commit failed; storing its answers one by one");
                    for job in batch.drain(..) {
                        let one = [(&job.sent, job.today)];
                        let outcome =
                            match Self::accept_on_pool(&pool, &key, &instruments, &one).await {
                                Ok(mut outcomes) => outcomes.pop().expect("one outcome"),
                                Err(error) => Err(error),
                            };
                        let _ = job.reply.send(outcome);
                    }
                }
            }
        }
    }

    /// [`Self::accept_batch`] on a connection of the pool.
    async fn accept_on_pool(
        pool: &Pool<DB>,
        key: &SealKey,
        instruments: &Instruments,
        sent: &[(&Sent, time::Date)],
    ) -> StoreResult<Vec<StoreResult<()>>> {
        let mut conn = pool.acquire().await?;
        Self::accept_batch(&mut conn, key, instruments, sent, false).await
    }

    /// The intake's own connection, which does not flush the log at commit: taken out of the
    /// pool when there is none.
    async fn own_connection<'c>(
        pool: &Pool<DB>,
        own: &'c mut Option<DB::Connection>,
    ) -> StoreResult<&'c mut DB::Connection> {
        if own.is_none() {
            let mut conn = pool.acquire().await?.detach();
            if let Some(relax) = DB::COMMIT_WITHOUT_FLUSH {
                sqlx::query(relax).execute(&mut conn).await?;
            }
            *own = Some(conn);
        }
        Ok(own.as_mut().expect("just made"))
    }

    /// Accepts answers in one transaction and releases every rater group that reaches its
    /// batch size. The outer error means nothing was stored; an inner one refuses that answer
    /// only. With `all_or_none`, a refusal is the outer error and nothing is stored.
    pub(super) async fn accept_batch(
        conn: &mut DB::Connection,
        key: &SealKey,
        instruments: &Instruments,
        sent: &[(&Sent, time::Date)],
        all_or_none: bool,
    ) -> StoreResult<Vec<StoreResult<()>>> {
        let mut tx = conn.begin_with(DB::BEGIN_WRITE).await?;
        let (found, links) = Self::invitations_to_answer(&mut tx, sent).await?;
        let checked = Self::check_forms(&mut tx, instruments, sent, &links).await?;
        let mut outcomes = Vec::with_capacity(sent.len());
        let mut taken: HashSet<i64> = HashSet::new();
        let mut accepted: Vec<(&Accepted, &SurveyAnswers)> = Vec::new();
        let mut ids: Vec<i64> = Vec::new();
        for (checked, (_, today)) in checked.iter().zip(sent) {
            let outcome = match checked {
                None => Err(form_refused()),
                Some((invitation, answer)) => match found.get(&invitation.0) {
                    None => Err(StoreError::NotFound("invitation")),
                    Some((_, status, _)) if status != "open" => {
                        Err(StoreError::Conflict(format!("the campaign is {status}")))
                    }
                    Some((_, _, deadline)) if deadline < today => Err(StoreError::Conflict(
                        "the campaign's deadline has passed".into(),
                    )),
                    Some(_) if !taken.insert(invitation.0) => Err(StoreError::Conflict(
                        "this survey has already been answered".into(),
                    )),
                    Some((Some(accepting), _, _)) => {
                        accepted.push((accepting, answer.as_ref()));
                        ids.push(invitation.0);
                        Ok(())
                    }
                    Some((None, _, _)) => Err(StoreError::Conflict(
                        "this survey has already been answered".into(),
                    )),
                },
            };
            if all_or_none && let Err(refused) = outcome {
                return Err(refused);
            }
            outcomes.push(outcome);
        }
        for chunk in ids.chunks(ID_BATCH) {
            let sql = format!(
                "UPDATE invitations SET completed = 1 WHERE completed = 0 AND id IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            let mut update = sqlx::query(&sql);
            for id in chunk {
                update = update.bind(*id);
            }
            let changed = DB::rows_affected(&update.execute(&mut *tx).await?);
            if changed != chunk.len() as u64 {
                // The rows were read under the transaction's lock; another writer cannot
                // have finished them since.
                return Err(StoreError::Conflict(
                    "an invitation changed while its answer was being stored".into(),
                ));
            }
        }
        let mut cells: BTreeMap<Cell, i64> = BTreeMap::new();
        let mut context = Context::default();
        for (accepted, _) in &accepted {
            cells.insert(accepted.cell, accepted.batch);
            context
                .instruments
                .insert(accepted.cell.campaign, accepted.instrument);
            if let Some(team) = &accepted.team {
                context.teams.insert(accepted.cell.leader, team.clone());
            }
        }
        let fresh = Self::pending_of(&accepted);
        let today = sent
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| outcome.is_ok())
            .map(|((_, today), _)| *today)
            .max();
        let waiting =
            Self::release_full_cells(&mut tx, key, (instruments, &context), &cells, fresh, today)
                .await?;
        Self::seal_waiting(&mut tx, key, &waiting).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Each answer's invitation and checked answers; `None` for a form whose link is unknown or
    /// whose answers do not fit its survey.
    async fn check_forms<'a>(
        conn: &mut DB::Connection,
        instruments: &Instruments,
        sent: &[(&'a Sent, time::Date)],
        links: &HashMap<String, (i64, u32)>,
    ) -> StoreResult<Vec<Option<(InvitationId, Cow<'a, SurveyAnswers>)>>> {
        let mut checked = Vec::with_capacity(sent.len());
        for (sent, _) in sent {
            checked.push(match sent {
                Sent::Checked(invitation, answers) => Some((*invitation, Cow::Borrowed(answers))),
                Sent::Form(hash, fields, checked) => match links.get(hash) {
                    None => None,
                    Some(&(invitation, version)) => {
                        let answers = match checked.iter().find(|(v, _)| *v == version) {
                            Some((_, answers)) => answers.as_ref().map(Cow::Borrowed),
                            None => {
                                let instrument =
                                    Self::instrument_on(conn, instruments, version).await?;
                                SurveyAnswers::parse(&instrument, fields)
                                    .ok()
                                    .map(Cow::Owned)
                            }
                        };
                        answers.map(|answers| (InvitationId(invitation), answers))
                    }
                },
            });
        }
        Ok(checked)
    }

    /// The invitations answered in a batch, found by id or by link (the token's hash), in one
    /// query for each way: by id, the invitation if it is still unanswered (with a direct
    /// report's attributes), its campaign's status and deadline; by link, the invitation's id
    /// and its campaign's instrument version. Locks the rows on PostgreSQL, so that closing the
    /// campaign waits for these answers (and releases them) or they see it closed; the lock
    /// takes the campaign's row too (FOR UPDATE on a join), so two servers' batches for one
    /// campaign are written one after the other and never release the same waiting answer.
    async fn invitations_to_answer(
        conn: &mut DB::Connection,
        sent: &[(&Sent, time::Date)],
    ) -> StoreResult<(Found, HashMap<String, (i64, u32)>)> {
        let mut ids: BTreeSet<i64> = BTreeSet::new();
        let mut hashes: BTreeSet<&str> = BTreeSet::new();
        for (sent, _) in sent {
            match sent {
                Sent::Checked(invitation, _) => ids.insert(invitation.0),
                Sent::Form(hash, ..) => hashes.insert(hash.as_str()),
            };
        }
        let ids: Vec<i64> = ids.into_iter().collect();
        let hashes: Vec<&str> = hashes.into_iter().collect();
        let mut found = HashMap::with_capacity(ids.len() + hashes.len());
        let mut links = HashMap::with_capacity(hashes.len());
        let keys = ids
            .chunks(ID_BATCH)
            .map(|chunk| {
                (
                    "i.id",
                    chunk.iter().map(|id| Key::Id(*id)).collect::<Vec<_>>(),
                )
            })
            .chain(hashes.chunks(ID_BATCH).map(|chunk| {
                let keys = chunk.iter().map(|hash| Key::Hash(hash)).collect();
                ("i.token_hash", keys)
            }));
        for (column, chunk) in keys {
            let sql = format!(
                "SELECT i.id, i.token_hash, i.campaign_id, i.leader_id, i.rater_group, i.person_id,
                        i.completed, c.status, c.deadline, c.min_rater_group, c.instrument_version,
                        CASE WHEN i.rater_group = '{}'
                             THEN (SELECT p.attributes FROM people p WHERE p.id = i.person_id)
                        END AS attributes,
                        (SELECT t.name FROM people l JOIN teams t ON t.id = l.team_id
                         WHERE l.id = i.leader_id) AS leader_team
                 FROM invitations i JOIN campaigns c ON c.id = i.campaign_id WHERE {column} IN {} {}",
                RaterGroup::DirectReport.slug(),
                row_placeholders::<DB>(1, chunk.len()),
                DB::LOCK_SELECTED
            );
            let mut select = sqlx::query(&sql);
            for key in &chunk {
                select = match key {
                    Key::Id(id) => select.bind(*id),
                    Key::Hash(hash) => select.bind(*hash),
                };
            }
            for row in select.fetch_all(&mut *conn).await? {
                let id: i64 = row.try_get("id")?;
                let instrument = u32::try_from(row.try_get::<i64, _>("instrument_version")?)
                    .map_err(|e| StoreError::Corrupt(format!("instrument version: {e}")))?;
                if let Some(hash) = row.try_get::<Option<String>, _>("token_hash")? {
                    links.insert(hash, (id, instrument));
                }
                let group = parse_group(&row.try_get::<String, _>("rater_group")?)?;
                let completed: i64 = row.try_get("completed")?;
                let accepted = (completed == 0)
                    .then(|| -> StoreResult<Accepted> {
                        Ok(Accepted {
                            cell: Cell {
                                campaign: row.try_get("campaign_id")?,
                                leader: row.try_get("leader_id")?,
                                group,
                            },
                            attributes: match row.try_get::<Option<String>, _>("attributes")? {
                                Some(text) => attributes_from_text(&text)?,
                                None => BTreeMap::new(),
                            },
                            // Self and manager are shown as themselves: nothing to hide them
                            // among.
                            batch: if group.is_identified() {
                                1
                            } else {
                                row.try_get::<i64, _>("min_rater_group")?.max(1)
                            },
                            instrument,
                            team: row.try_get("leader_team")?,
                        })
                    })
                    .transpose()?;
                found.insert(
                    id,
                    (
                        accepted,
                        row.try_get::<String, _>("status")?,
                        parse_date(&row.try_get::<String, _>("deadline")?)?,
                    ),
                );
            }
        }
        Ok((found, links))
    }

    /// The accepted answers as they wait for their rater group, with a direct report's
    /// attributes (location, function…) when they answered.
    fn pending_of(accepted: &[(&Accepted, &SurveyAnswers)]) -> Vec<(Cell, PendingAnswer)> {
        accepted
            .iter()
            .map(|(accepted, answers)| {
                (
                    accepted.cell,
                    PendingAnswer {
                        answers: (*answers).clone(),
                        attributes: accepted.attributes.clone(),
                    },
                )
            })
            .collect()
    }

    /// Writes answers that stay waiting, sealed, to `pending_answers`.
    async fn seal_waiting(
        conn: &mut DB::Connection,
        key: &SealKey,
        waiting: &[(Cell, PendingAnswer)],
    ) -> StoreResult<()> {
        for chunk in waiting.chunks(WRITE_ROWS) {
            let sql = format!(
                "INSERT INTO pending_answers (campaign_id, leader_id, rater_group, sealed) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 4)
            );
            let mut insert = sqlx::query(&sql);
            for (cell, pending) in chunk {
                let plain = serde_json::to_vec(pending)
                    .map_err(|e| StoreError::Corrupt(format!("answer: {e}")))?;
                insert = insert
                    .bind(cell.campaign)
                    .bind(cell.leader)
                    .bind(cell.group.slug())
                    .bind(key.seal(Purpose::PendingAnswer, &plain));
            }
            insert.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Releases answers of each of `cells` that has enough waiting, counting the batch's own
    /// (`fresh`): opens the stored ones, writes them to the readable tables in random order and
    /// removes them from `pending_answers`. Returns the fresh answers that stay waiting; a
    /// fresh answer released at once is never written to `pending_answers`.
    ///
    /// An anonymous group (batch size k) is released only once it has 2k answers waiting, and
    /// then all but k of them, chosen at random among the stored and the fresh: k always stay
    /// behind, so the release when the campaign closes also holds at least k, and every batch
    /// a reader of the database can watch appear holds at least k answers. The leader's and
    /// the manager's own answers (batch size 1) are written at once.
    async fn release_full_cells(
        conn: &mut DB::Connection,
        key: &SealKey,
        (instruments, context): (&Instruments, &Context),
        cells: &BTreeMap<Cell, i64>,
        fresh: Vec<(Cell, PendingAnswer)>,
        today: Option<time::Date>,
    ) -> StoreResult<Vec<(Cell, PendingAnswer)>> {
        let mut fresh_by_cell: BTreeMap<Cell, Vec<PendingAnswer>> = BTreeMap::new();
        for (cell, pending) in fresh {
            fresh_by_cell.entry(cell).or_default().push(pending);
        }
        let mut by_campaign: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for cell in cells.keys() {
            by_campaign
                .entry(cell.campaign)
                .or_default()
                .insert(cell.leader);
        }
        let mut staying = Vec::new();
        for (campaign, leaders) in by_campaign {
            let leaders: Vec<i64> = leaders.into_iter().collect();
            // Answers already waiting in the batch's leaders' groups: their ids only, which the
            // index on (campaign, leader, group) holds, so that only the answers chosen to go
            // are read and opened.
            let mut stored: BTreeMap<(i64, RaterGroup), Vec<i64>> = BTreeMap::new();
            for chunk in leaders.chunks(ID_BATCH) {
                let sql = format!(
                    "SELECT id, leader_id, rater_group FROM pending_answers
                     WHERE campaign_id = {} AND leader_id IN {}",
                    placeholder::<DB>(1),
                    numbered_placeholders::<DB>(2, chunk.len())
                );
                let mut select = sqlx::query(&sql).bind(campaign);
                for leader in chunk {
                    select = select.bind(*leader);
                }
                for row in select.fetch_all(&mut *conn).await? {
                    let group = parse_group(&row.try_get::<String, _>("rater_group")?)?;
                    stored
                        .entry((row.try_get("leader_id")?, group))
                        .or_default()
                        .push(row.try_get("id")?);
                }
            }
            // Which answers of each cell go, chosen at random, not by arrival, among the stored
            // and the fresh alike; in an anonymous cell, k stay behind. A stored answer that
            // stays is left as it is.
            let mut going: Vec<(Cell, Option<i64>, Option<PendingAnswer>)> = Vec::new();
            for (cell, batch) in cells.iter().filter(|(cell, _)| cell.campaign == campaign) {
                let ids = stored
                    .remove(&(cell.leader, cell.group))
                    .unwrap_or_default();
                let fresh = fresh_by_cell.remove(cell).unwrap_or_default();
                let waiting = (ids.len() + fresh.len()) as i64;
                let stay = match *batch {
                    1 => 0,
                    batch if waiting >= 2 * batch => batch as usize,
                    _ => {
                        staying.extend(fresh.into_iter().map(|pending| (*cell, pending)));
                        continue;
                    }
                };
                let mut order: Vec<usize> = (0..ids.len() + fresh.len()).collect();
                order.shuffle(&mut rand::rng());
                let go = order.len().saturating_sub(stay);
                let mut fresh: Vec<Option<PendingAnswer>> = fresh.into_iter().map(Some).collect();
                for (place, i) in order.into_iter().enumerate() {
                    match i.checked_sub(ids.len()) {
                        None if place < go => going.push((*cell, Some(ids[i]), None)),
                        None => {}
                        Some(f) => {
                            let pending = fresh[f].take().expect("each fresh answer once");
                            if place < go {
                                going.push((*cell, None, Some(pending)));
                            } else {
                                staying.push((*cell, pending));
                            }
                        }
                    }
                }
            }
            // The stored answers chosen to go, read and opened.
            let to_open: Vec<i64> = going.iter().filter_map(|(_, id, _)| *id).collect();
            let mut sealed: HashMap<i64, Opened> = HashMap::with_capacity(to_open.len());
            for chunk in to_open.chunks(ID_BATCH) {
                let sql = format!(
                    "SELECT id, leader_id, rater_group, sealed FROM pending_answers WHERE id IN {}",
                    row_placeholders::<DB>(1, chunk.len())
                );
                let mut select = sqlx::query(&sql);
                for id in chunk {
                    select = select.bind(*id);
                }
                for row in select.fetch_all(&mut *conn).await? {
                    let opened = Self::open_row(key, &row)?;
                    sealed.insert(opened.0.expect("a stored answer has an id"), opened);
                }
            }
            let opened = going
                .into_iter()
                .map(|(cell, id, fresh)| match (id, fresh) {
                    (Some(id), _) => sealed.remove(&id).ok_or_else(|| {
                        StoreError::Conflict(
                            "a waiting answer was released by another transaction".into(),
                        )
                    }),
                    (None, Some(pending)) => Ok((None, cell.leader, cell.group, pending)),
                    (None, None) => unreachable!("an answer to release is stored or fresh"),
                })
                .collect::<StoreResult<Vec<_>>>()?;
            if !opened.is_empty() {
                let instrument =
                    Self::instrument_on(conn, instruments, context.instruments[&campaign]).await?;
                let released = (campaign, opened, today);
                Self::write_released(conn, key, &instrument, &context.teams, released).await?;
            }
        }
        Ok(staying)
    }

    /// Releases everything still waiting in a campaign that is closing, following the report's
    /// rules so that no readable rater group of a leader is smaller than k: a group below k
    /// that the report pools into "Others" is written as "Others"; a group the report hides
    /// stays sealed, in no figure and in no readable table.
    pub(super) async fn release_closing_campaign(
        conn: &mut DB::Connection,
        key: &SealKey,
        instruments: &Instruments,
        campaign: i64,
    ) -> StoreResult<()> {
        let rows = sqlx::query(
            "SELECT id, leader_id, rater_group, sealed FROM pending_answers WHERE campaign_id = $1",
        )
        .bind(campaign)
        .fetch_all(&mut *conn)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut opened = rows
            .iter()
            .map(|row| Self::open_row(key, row))
            .collect::<StoreResult<Vec<_>>>()?;
        let plans = Self::closing_plans(conn, campaign, &opened).await?;
        opened.retain_mut(|(_, leader, group, _)| {
            let plan = &plans[leader];
            if plan.hidden.contains(group) {
                false
            } else {
                if plan.merged.contains(group) {
                    *group = RaterGroup::Other;
                }
                true
            }
        });
        if opened.is_empty() {
            return Ok(());
        }
        let version: i64 =
            sqlx::query_scalar("SELECT instrument_version FROM campaigns WHERE id = $1")
                .bind(campaign)
                .fetch_one(&mut *conn)
                .await?;
        let version = u32::try_from(version)
            .map_err(|e| StoreError::Corrupt(format!("instrument version: {e}")))?;
        let instrument = Self::instrument_on(conn, instruments, version).await?;
        let leaders: BTreeSet<i64> = opened.iter().map(|(_, leader, ..)| *leader).collect();
        let teams = Self::leader_teams(conn, leaders).await?;
        Self::write_released(conn, key, &instrument, &teams, (campaign, opened, None)).await
    }

    /// Each leader's team.
    async fn leader_teams(
        conn: &mut DB::Connection,
        leaders: BTreeSet<i64>,
    ) -> StoreResult<HashMap<i64, String>> {
        let leaders: Vec<i64> = leaders.into_iter().collect();
        let mut teams: HashMap<i64, String> = HashMap::new();
        for chunk in leaders.chunks(ID_BATCH) {
            let sql = format!(
                "SELECT p.id, t.name FROM people p JOIN teams t ON t.id = p.team_id WHERE p.id IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            let mut select = sqlx::query(&sql);
            for id in chunk {
                select = select.bind(*id);
            }
            for row in select.fetch_all(&mut *conn).await? {
                teams.insert(row.try_get("id")?, row.try_get("name")?);
            }
        }
        Ok(teams)
    }

    /// Opens a `pending_answers` row.
    fn open_row(key: &SealKey, row: &DB::Row) -> StoreResult<Opened> {
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let plain = key.open(Purpose::PendingAnswer, &sealed)?;
        let pending: PendingAnswer = serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("waiting answer: {e}")))?;
        Ok((
            Some(row.try_get::<i64, _>("id")?),
            row.try_get::<i64, _>("leader_id")?,
            parse_group(&row.try_get::<String, _>("rater_group")?)?,
            pending,
        ))
    }

    /// The report's rater-group plan of each leader with waiting answers, counting both the
    /// answers already released and those waiting.
    async fn closing_plans(
        conn: &mut DB::Connection,
        campaign: i64,
        waiting: &[Opened],
    ) -> StoreResult<BTreeMap<i64, GroupPlan>> {
        let row = sqlx::query(&format!(
            "SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"
        ))
        .bind(campaign)
        .fetch_one(&mut *conn)
        .await?;
        let rules = Self::campaign_from_row(&row)?.rules;
        let mut counts: BTreeMap<i64, BTreeMap<RaterGroup, u32>> = BTreeMap::new();
        for (_, leader, group, _) in waiting {
            *counts
                .entry(*leader)
                .or_default()
                .entry(*group)
                .or_default() += 1;
        }
        let released = sqlx::query(
            "SELECT leader_id, rater_group, COUNT(*) AS n FROM responses WHERE campaign_id = $1
             GROUP BY leader_id, rater_group",
        )
        .bind(campaign)
        .fetch_all(&mut *conn)
        .await?;
        for row in &released {
            let leader: i64 = row.try_get("leader_id")?;
            if let Some(groups) = counts.get_mut(&leader) {
                let group = parse_group(&row.try_get::<String, _>("rater_group")?)?;
                *groups.entry(group).or_default() += row.try_get::<i64, _>("n")? as u32;
            }
        }
        Ok(counts
            .into_iter()
            .map(|(leader, groups)| (leader, plan_rater_groups(&rules, &groups)))
            .collect())
    }

    /// Writes released answers to the readable tables in random order and removes them from
    /// `pending_answers`: each response (random id, the day of the batch only) with its ratings
    /// and scores, its comments, a direct report's sealed attributes, and direct reports' answers
    /// added to their team's running sums. `teams` holds each leader's team as read in the same
    /// transaction: a direct report's answer counts for the team the leader has when it is
    /// released.
    async fn write_released(
        conn: &mut DB::Connection,
        key: &SealKey,
        instrument: &Instrument,
        teams: &HashMap<i64, String>,
        (campaign, mut opened, today): (i64, Vec<Opened>, Option<time::Date>),
    ) -> StoreResult<()> {
        if opened.is_empty() {
            return Ok(());
        }
        opened.shuffle(&mut rand::rng());
        // Every answer of the batch gets the day of the batch, not the day it arrived.
        let day = format_date(today.unwrap_or_else(|| time::OffsetDateTime::now_utc().date()));
        let released: Vec<Released> = opened
            .iter()
            .map(|(_, _, group, pending)| {
                let attributes = if *group == RaterGroup::DirectReport {
                    let plain = serde_json::to_vec(&pending.attributes)
                        .map_err(|e| StoreError::Corrupt(format!("attributes: {e}")))?;
                    Some(key.seal(Purpose::RaterAttributes, &plain))
                } else {
                    None
                };
                Ok((
                    uuid::Uuid::new_v4().to_string(),
                    Contribution::of(instrument, &pending.answers.ratings),
                    attributes,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let rows: Vec<(&Opened, &Released)> = opened.iter().zip(&released).collect();
        // One row per answer: its ratings and four scores on it, so that campaign-wide
        // figures never read every rating.
        for chunk in rows.chunks(WRITE_ROWS) {
            let sql = format!(
                "INSERT INTO responses (id, campaign_id, leader_id, rater_group, submitted_on, team,
                     rater_attributes, scored, m0, m1, m2, m3, ratings) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 13)
            );
            let mut insert = sqlx::query(&sql);
            for ((_, leader, group, pending), (id, contribution, attributes)) in chunk {
                insert = insert
                    .bind(id.as_str())
                    .bind(campaign)
                    .bind(*leader)
                    .bind(group.slug())
                    .bind(day.as_str())
                    .bind(teams.get(leader).map(String::as_str))
                    .bind(attributes.clone())
                    .bind(1_i64);
                for value in contribution.values {
                    insert = insert.bind(value);
                }
                insert = insert.bind(ratings_text(&pending.answers.ratings));
            }
            insert.execute(&mut *conn).await?;
        }
        let comments: Vec<(i64, RaterGroup, &str, &str)> = opened
            .iter()
            .flat_map(|(_, leader, group, pending)| {
                pending
                    .answers
                    .comments
                    .iter()
                    .map(move |(code, text)| (*leader, *group, code.as_str(), text.as_str()))
            })
            .collect();
        for chunk in comments.chunks(WRITE_ROWS) {
            let sql = format!(
                "INSERT INTO response_comments (id, campaign_id, leader_id, rater_group, question_code, body) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 6)
            );
            let mut insert = sqlx::query(&sql);
            for (leader, group, code, text) in chunk {
                insert = insert
                    .bind(uuid::Uuid::new_v4().to_string())
                    .bind(campaign)
                    .bind(*leader)
                    .bind(group.slug())
                    .bind(*code)
                    .bind(*text);
            }
            insert.execute(&mut *conn).await?;
        }
        // Direct reports' answers, summed per team, added to the team's running sums.
        let mut sums: BTreeMap<&str, TeamDelta> = BTreeMap::new();
        for ((_, leader, group, _), (_, contribution, _)) in &rows {
            let (RaterGroup::DirectReport, Some(team)) = (group, teams.get(leader)) else {
                continue;
            };
            let entry = sums.entry(team.as_str()).or_default();
            entry.0 += 1;
            for (slot, value) in entry.1.iter_mut().zip(contribution.values) {
                if let Some(v) = value {
                    slot.0 += 1;
                    slot.1 += v;
                    slot.2 += v * v;
                }
            }
        }
        // One statement for all the batch's teams (a few hundred at most per statement).
        let sums: Vec<(&str, TeamDelta)> = sums.into_iter().collect();
        for chunk in sums.chunks(WRITE_ROWS / 2) {
            let sql = aggregate_upsert::<DB>(chunk.len());
            let mut upsert = sqlx::query(&sql);
            for (team, (respondents, measures)) in chunk {
                upsert = upsert.bind(campaign).bind(*team).bind(*respondents);
                for (n, sum, sum_sq) in measures {
                    upsert = upsert.bind(*n).bind(*sum).bind(*sum_sq);
                }
            }
            upsert.execute(&mut *conn).await?;
        }
        let stored: Vec<i64> = opened.iter().filter_map(|(id, ..)| *id).collect();
        for chunk in stored.chunks(ID_BATCH) {
            let sql = format!(
                "DELETE FROM pending_answers WHERE id IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            let mut delete = sqlx::query(&sql);
            for id in chunk {
                delete = delete.bind(*id);
            }
            // Each sealed answer is released once: one that is already gone was released by
            // another transaction, and this one must not write it again.
            if DB::rows_affected(&delete.execute(&mut *conn).await?) != chunk.len() as u64 {
                return Err(StoreError::Conflict(
                    "a waiting answer was released by another transaction".into(),
                ));
            }
        }
        Ok(())
    }
}
