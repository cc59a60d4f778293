//! Answer intake: answers arriving together are committed in one transaction (group commit),
//! each kept sealed until its rater group has k answers waiting (or the campaign closes), and
//! then written to the readable tables in random order. Every step works on the whole batch
//! with a few multi-row statements, so the cost of a commit is shared by every answer in it.

use super::release::{Cell, Context, PendingAnswer};
use super::*;
use sqlx::Connection as _;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;

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
}
