//! Answer intake: answers arriving together are committed in one transaction (group commit),
//! each kept sealed until its rater group has k answers waiting (or the campaign closes), and
//! then written to the readable tables in random order. Every step works on the whole batch
//! with a few multi-row statements, so the cost of a commit is shared by every answer in it.

use super::release::{Cell, Context, PendingAnswer};
use super::*;
use sqlx::Connection as _;
use std::collections::BTreeSet;
use std::path::PathBuf;
use tracing::Instrument as _;
use trustloop_domain::rating::{CheckedForm, FieldError};

/// One answer waiting for the intake task, and where to send its outcome.
pub(super) struct IntakeJob {
    pub(super) sent: Sent,
    pub(super) today: time::Date,
    pub(super) reply: oneshot::Sender<StoreResult<IntakeOutcome>>,
}

/// An answer as it reaches the intake.
pub(super) enum Sent {
    /// Answers already checked against their invitation's instrument.
    Checked(InvitationId, SurveyAnswers),
    /// A survey form sent to a link: the hash of the link's token, and the form as checked
    /// against each instrument version known when it came. The intake finds the forms'
    /// invitations in one query, so that the request handler reads nothing from the database,
    /// and takes the check made against the invitation's instrument.
    Form(String, CheckedForm),
}

/// What an answer sent by invitation ([`AnswerStore::submit_response`]) comes to: stored, or
/// the error it is refused with.
pub(super) fn stored_or_error(outcome: IntakeOutcome) -> StoreResult<()> {
    match outcome {
        IntakeOutcome::Stored => Ok(()),
        IntakeOutcome::Refused(refusal) => Err(refusal_error(refusal)),
        IntakeOutcome::Invalid { .. } => Err(unfit()),
    }
}

/// The error an answer refused for `refusal` is given.
fn refusal_error(refusal: Refusal) -> StoreError {
    match refusal {
        Refusal::UnknownLink => StoreError::NotFound("invitation"),
        Refusal::AlreadyAnswered => {
            StoreError::Conflict("this survey has already been answered".into())
        }
        Refusal::CampaignNotOpen(status) => {
            StoreError::Conflict(format!("the campaign is {}", status.slug()))
        }
        Refusal::PastDeadline => StoreError::Conflict("the campaign's deadline has passed".into()),
    }
}

/// The error of answers that do not fit their survey.
fn unfit() -> StoreError {
    StoreError::Conflict("the answers do not fit the survey".into())
}

/// Each answer of a batch with where to send its outcome.
type Replies = Vec<(
    oneshot::Sender<StoreResult<IntakeOutcome>>,
    StoreResult<IntakeOutcome>,
)>;

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

/// What one intake transaction did: each answer's outcome, in order, and whether any answer
/// (of the batch or waiting before it) was released to the readable tables.
pub(super) struct Batch {
    pub(super) outcomes: Vec<IntakeOutcome>,
    pub(super) released: bool,
}

/// The most answers one intake transaction commits together.
pub(super) const INTAKE_BATCH: usize = 1024;

/// Ballot marks per multi-row INSERT (4 values each).
const WRITE_MARKS: usize = 1000;

/// How often, at most, the intake task starts a background checkpoint.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// An invitation answered in a batch, as read under the batch's lock.
struct Found {
    /// Where its answer goes.
    accepted: Accepted,
    /// Whether its ballot mark is already used: it has been answered.
    answered: bool,
    /// Its campaign's status.
    status: CampaignStatus,
    /// Its campaign's last day.
    deadline: time::Date,
    /// Its campaign's instrument version.
    instrument: u32,
}

/// How an answer of a batch fares, decided before the invitations of invalid forms are read.
enum Decided {
    /// Accepted: stored with the batch.
    Stored,
    /// Refused before its answers were looked at.
    Refused(Refusal),
    /// A form that does not fit the survey of this invitation (id), whose campaign uses this
    /// instrument version.
    Invalid(i64, u32, Vec<FieldError>),
}

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
    /// one transaction. `file` is the database's own file, where the backend keeps it in one
    /// (SQLite): the intake flushes its write-ahead log itself (see
    /// [`Backend::COMMIT_WITHOUT_FLUSH`]). Must be called inside a Tokio runtime; the task ends
    /// when the store is closed ([`MaintenanceStore::close`]) or its last clone dropped.
    /// `native` answers the reads the backend makes faster outside the pool.
    pub(crate) fn new(
        pool: Pool<DB>,
        key: SealKey,
        file: Option<PathBuf>,
        native: Option<Arc<dyn NativeReads>>,
    ) -> Self {
        let key = Arc::new(key);
        let instruments: Instruments = Arc::default();
        let (intake, jobs) = mpsc::channel(4 * INTAKE_BATCH);
        let log = file
            .as_ref()
            .filter(|_| DB::COMMIT_WITHOUT_FLUSH.is_some())
            .map(|file| {
                let mut log = file.clone().into_os_string();
                log.push("-wal");
                PathBuf::from(log)
            });
        let task = tokio::spawn(Self::intake_task(
            pool.clone(),
            key.clone(),
            instruments.clone(),
            log,
            jobs,
        ));
        SqlStore {
            pool,
            key,
            intake: Arc::new(std::sync::Mutex::new(Some(intake))),
            intake_task: Arc::new(tokio::sync::Mutex::new(Some(task))),
            instruments,
            native,
            file,
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
        // Whether answers were released since the log was last truncated: the log still holds
        // the pages of the answers that waited sealed, in the order they arrived.
        let mut truncate_due = false;
        loop {
            let received = if truncate_due {
                match tokio::time::timeout(
                    CHECKPOINT_EVERY,
                    jobs.recv_many(&mut batch, INTAKE_BATCH),
                )
                .await
                {
                    Ok(n) => n,
                    Err(_) => {
                        // Idle after a release: truncate the log now.
                        if let Some(truncate) = DB::TRUNCATE_LOG
                            && !checkpointing.load(std::sync::atomic::Ordering::Relaxed)
                        {
                            truncate_due = false;
                            last_checkpoint = std::time::Instant::now();
                            Self::checkpoint_in_background(&pool, &checkpointing, truncate);
                        }
                        continue;
                    }
                }
            } else {
                jobs.recv_many(&mut batch, INTAKE_BATCH).await
            };
            if received == 0 {
                // Closed here, not dropped: a dropped connection is closed later by its own
                // thread, which would leave the database's files open after the store closed.
                if let Some(conn) = own.take()
                    && let Err(error) = sqlx::Connection::close(conn).await
                {
                    tracing::warn!(%error, "the intake's connection did not close cleanly");
                }
                break;
            }
            let answers: Vec<(&Sent, time::Date)> =
                batch.iter().map(|job| (&job.sent, job.today)).collect();
            // One span per batch, not per answer: the intake is the hot path.
            let span = tracing::info_span!("intake_batch", answers = answers.len());
            let result = async {
                match &log {
                    Some(_) => match Self::own_connection(&pool, &mut own).await {
                        Ok(conn) => {
                            Self::accept_batch(conn, &key, &instruments, &answers, false).await
                        }
                        Err(error) => Err(error),
                    },
                    None => Self::accept_on_pool(&pool, &key, &instruments, &answers).await,
                }
            }
            .instrument(span)
            .await;
            if let Ok(done) = &result {
                truncate_due |= done.released;
            }
            if let Some(checkpoint) = DB::BACKGROUND_CHECKPOINT
                && last_checkpoint.elapsed() >= CHECKPOINT_EVERY
                && !checkpointing.load(std::sync::atomic::Ordering::Relaxed)
            {
                // Copies the log back into the database on another connection, so that the
                // next batches do not wait for it; truncates it after a release.
                let checkpoint = match DB::TRUNCATE_LOG {
                    Some(truncate) if truncate_due => {
                        truncate_due = false;
                        truncate
                    }
                    _ => checkpoint,
                };
                last_checkpoint = std::time::Instant::now();
                Self::checkpoint_in_background(&pool, &checkpointing, checkpoint);
            }
            match result {
                Ok(Batch { outcomes, .. }) => {
                    let replies: Replies = batch
                        .drain(..)
                        .map(|job| job.reply)
                        .zip(outcomes.into_iter().map(Ok))
                        .collect();
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
                                Ok(mut batch) => {
                                    truncate_due |= batch.released;
                                    Ok(batch.outcomes.pop().expect("one outcome"))
                                }
                                Err(error) => Err(error),
                            };
                        let _ = job.reply.send(outcome);
                    }
                }
            }
        }
    }

    /// Runs `checkpoint` on another connection of the pool, unless one is running.
    fn checkpoint_in_background(
        pool: &Pool<DB>,
        checkpointing: &Arc<std::sync::atomic::AtomicBool>,
        checkpoint: &'static str,
    ) {
        checkpointing.store(true, std::sync::atomic::Ordering::Relaxed);
        let (pool, checkpointing) = (pool.clone(), checkpointing.clone());
        tokio::spawn(async move {
            if let Err(error) = sqlx::query(checkpoint).execute(&pool).await {
                tracing::warn!(%error, "background checkpoint failed");
            }
            checkpointing.store(false, std::sync::atomic::Ordering::Relaxed);
        });
    }

    /// [`Self::accept_batch`] on a connection of the pool.
    async fn accept_on_pool(
        pool: &Pool<DB>,
        key: &SealKey,
        instruments: &Instruments,
        sent: &[(&Sent, time::Date)],
    ) -> StoreResult<Batch> {
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
    /// batch size. The error means nothing was stored; otherwise each answer's outcome, in
    /// order. With `all_or_none`, a refusal is the error and nothing is stored.
    pub(super) async fn accept_batch(
        conn: &mut DB::Connection,
        key: &SealKey,
        instruments: &Instruments,
        sent: &[(&Sent, time::Date)],
        all_or_none: bool,
    ) -> StoreResult<Batch> {
        let mut tx = conn.begin_with(DB::BEGIN_WRITE).await?;
        let (found, links) = Self::invitations_to_answer(&mut tx, key, sent).await?;
        let mut decided = Vec::with_capacity(sent.len());
        let mut taken: HashSet<i64> = HashSet::new();
        let mut accepted: Vec<(&Accepted, &SurveyAnswers)> = Vec::new();
        let mut ids: Vec<i64> = Vec::new();
        for (sent, today) in sent {
            let invitation = match sent {
                Sent::Checked(invitation, _) => Some(invitation.0),
                Sent::Form(hash, _) => links.get(hash.as_str()).copied(),
            };
            let Some((id, invitation)) = invitation.and_then(|id| Some((id, found.get(&id)?)))
            else {
                decided.push(Decided::Refused(Refusal::UnknownLink));
                continue;
            };
            let refusal = Refusal::of(
                invitation.answered,
                invitation.status,
                invitation.deadline,
                *today,
            );
            let answers = match sent {
                Sent::Checked(_, answers) => Ok(answers),
                Sent::Form(_, form) => form.answers_for(invitation.instrument),
            };
            decided.push(match (refusal, answers) {
                (Some(refusal), _) => Decided::Refused(refusal),
                // Answered by another answer of this batch.
                _ if taken.contains(&id) => Decided::Refused(Refusal::AlreadyAnswered),
                (None, Err(errors)) => Decided::Invalid(id, invitation.instrument, errors),
                (None, Ok(answers)) => {
                    taken.insert(id);
                    accepted.push((&invitation.accepted, answers));
                    ids.push(id);
                    Decided::Stored
                }
            });
        }
        if all_or_none && let Some(refusal) = decided.iter().find_map(Self::refusal_of) {
            return Err(refusal);
        }
        let outcomes = Self::outcomes(&mut tx, instruments, decided).await?;
        // The invitations themselves are not written: each answer leaves its ballot mark,
        // which names no invitation to anyone without the key. A mark used meanwhile by
        // another server is a unique violation: the batch is then retried answer by answer.
        let marks: Vec<([u8; 32], Cell)> = ids
            .iter()
            .zip(&accepted)
            .map(|(id, (accepted, _))| (key.ballot_mark(*id), accepted.cell))
            .collect();
        for chunk in marks.chunks(WRITE_MARKS) {
            let sql = format!(
                "INSERT INTO used_ballots (mark, campaign_id, leader_id, rater_group) VALUES {}",
                row_placeholders::<DB>(chunk.len(), 4)
            );
            let mut insert = sqlx::query(&sql);
            for (mark, cell) in chunk {
                insert = insert
                    .bind(mark.to_vec())
                    .bind(cell.campaign)
                    .bind(cell.leader)
                    .bind(cell.group.slug());
            }
            insert.execute(&mut *tx).await.map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::Conflict("an invitation was answered by another server".into())
                } else {
                    e.into()
                }
            })?;
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
            .filter(|(_, outcome)| **outcome == IntakeOutcome::Stored)
            .map(|((_, today), _)| *today)
            .max();
        let (waiting, released) =
            Self::release_full_cells(&mut tx, key, (instruments, &context), &cells, fresh, today)
                .await?;
        Self::seal_waiting(&mut tx, key, &waiting).await?;
        tx.commit().await?;
        Ok(Batch { outcomes, released })
    }

    /// The error an answer that is not stored makes of a batch that must store all or none.
    fn refusal_of(decided: &Decided) -> Option<StoreError> {
        match decided {
            Decided::Stored => None,
            Decided::Refused(refusal) => Some(refusal_error(*refusal)),
            Decided::Invalid(..) => Some(unfit()),
        }
    }

    /// Each answer's outcome: an invalid form's with its invitation and instrument, read on
    /// `conn` (in the batch's transaction) for all of them at once.
    async fn outcomes(
        conn: &mut DB::Connection,
        instruments: &Instruments,
        decided: Vec<Decided>,
    ) -> StoreResult<Vec<IntakeOutcome>> {
        let invalid: Vec<i64> = decided
            .iter()
            .filter_map(|d| match d {
                Decided::Invalid(id, ..) => Some(*id),
                _ => None,
            })
            .collect();
        let mut invitations: HashMap<i64, SurveyInvitation> = HashMap::new();
        let select = format!("{SURVEY_INVITATION_SELECT} WHERE i.id IN");
        for row in Self::rows_with_ids(conn, &select, &invalid).await? {
            let invitation = Self::survey_invitation_from_row(&row)?;
            invitations.insert(invitation.id.0, invitation);
        }
        let mut outcomes = Vec::with_capacity(decided.len());
        for decided in decided {
            outcomes.push(match decided {
                Decided::Stored => IntakeOutcome::Stored,
                Decided::Refused(refusal) => IntakeOutcome::Refused(refusal),
                Decided::Invalid(id, version, errors) => IntakeOutcome::Invalid {
                    invitation: Box::new(
                        invitations
                            .get(&id)
                            .cloned()
                            .ok_or(StoreError::NotFound("invitation"))?,
                    ),
                    instrument: Self::instrument_on(conn, instruments, version).await?,
                    errors,
                },
            });
        }
        Ok(outcomes)
    }

    /// The invitations answered in a batch, found by id or by link (the token's hash), in one
    /// query for each way: the invitation (with a direct report's attributes), whether its
    /// ballot mark is used, its campaign's status, deadline and instrument version; by link,
    /// the invitation's id too.
    ///
    /// The campaigns' rows are locked on PostgreSQL and their status read under the lock, so
    /// that closing a campaign waits for these answers (and releases them) or they see it
    /// closed, and two servers' batches for one campaign are written one after the other and
    /// never release the same waiting answer. Invitation rows are only read, never locked: a
    /// row lock writes the locking transaction's id into the row, which would tie the
    /// invitation to the answer stored by the same transaction.
    async fn invitations_to_answer(
        conn: &mut DB::Connection,
        key: &SealKey,
        sent: &[(&Sent, time::Date)],
    ) -> StoreResult<(HashMap<i64, Found>, HashMap<String, i64>)> {
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
                        c.status, c.deadline, c.min_rater_group, c.instrument_version,
                        CASE WHEN i.rater_group = '{}'
                             THEN (SELECT p.attributes FROM people p WHERE p.id = i.person_id)
                        END AS attributes,
                        (SELECT t.name FROM people l JOIN teams t ON t.id = l.team_id
                         WHERE l.id = i.leader_id) AS leader_team
                 FROM invitations i JOIN campaigns c ON c.id = i.campaign_id WHERE {column} IN {}",
                RaterGroup::DirectReport.slug(),
                row_placeholders::<DB>(1, chunk.len()),
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
                    links.insert(hash, id);
                }
                let group = parse_group(&row.try_get::<String, _>("rater_group")?)?;
                let accepted = Accepted {
                    cell: Cell {
                        campaign: row.try_get("campaign_id")?,
                        leader: row.try_get("leader_id")?,
                        group,
                    },
                    attributes: match row.try_get::<Option<String>, _>("attributes")? {
                        Some(text) => attributes_from_text(&text)?,
                        None => BTreeMap::new(),
                    },
                    // Self and manager are shown as themselves: nothing to hide them among.
                    batch: if group.is_identified() {
                        1
                    } else {
                        row.try_get::<i64, _>("min_rater_group")?.max(1)
                    },
                    instrument,
                    team: row.try_get("leader_team")?,
                };
                found.insert(
                    id,
                    Found {
                        accepted,
                        answered: false,
                        status: parse_status(&row.try_get::<String, _>("status")?)?,
                        deadline: parse_date(&row.try_get::<String, _>("deadline")?)?,
                        instrument,
                    },
                );
            }
        }
        // The campaigns' status, read again under their rows' lock (PostgreSQL).
        let campaigns: Vec<i64> = found
            .values()
            .map(|f| f.accepted.cell.campaign)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut current: HashMap<i64, (CampaignStatus, time::Date)> = HashMap::new();
        let select = format!(
            "SELECT id, status, deadline FROM campaigns WHERE id IN {} {}",
            row_placeholders::<DB>(1, campaigns.len().max(1)),
            DB::LOCK_SELECTED
        );
        if !campaigns.is_empty() {
            for row in Self::bind_ids(sqlx::query(&select), &campaigns)
                .fetch_all(&mut *conn)
                .await?
            {
                current.insert(
                    row.try_get("id")?,
                    (
                        parse_status(&row.try_get::<String, _>("status")?)?,
                        parse_date(&row.try_get::<String, _>("deadline")?)?,
                    ),
                );
            }
        }
        for f in found.values_mut() {
            if let Some((status, deadline)) = current.get(&f.accepted.cell.campaign) {
                f.status = *status;
                f.deadline = *deadline;
            }
        }
        // Which of them have been answered: their ballot marks are used.
        let marks: Vec<(Vec<u8>, i64)> = found
            .keys()
            .map(|id| (key.ballot_mark(*id).to_vec(), *id))
            .collect();
        let by_mark: HashMap<&[u8], i64> =
            marks.iter().map(|(m, id)| (m.as_slice(), *id)).collect();
        for chunk in marks.chunks(ID_BATCH) {
            let sql = format!(
                "SELECT mark FROM used_ballots WHERE mark IN {}",
                row_placeholders::<DB>(1, chunk.len())
            );
            let mut select = sqlx::query(&sql);
            for (mark, _) in chunk {
                select = select.bind(mark.clone());
            }
            for row in select.fetch_all(&mut *conn).await? {
                let mark: Vec<u8> = row.try_get("mark")?;
                if let Some(f) = by_mark
                    .get(mark.as_slice())
                    .and_then(|id| found.get_mut(id))
                {
                    f.answered = true;
                }
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
