//! Feedback ([`FeedbackStore`]). A named item is written at once, with its sender and day. An
//! anonymous item is sealed (as a waiting survey answer is) under a random id with no date
//! and nothing of its sender beside it; a keyed hash of (sender, receiver) says a sender has
//! one waiting, so that every batch comes from k different senders. When k wait for the
//! receiver, in the same transaction (the receiver's row locked on PostgreSQL), they are
//! opened, shuffled, and written as delivered items under random ids, every one dated by the
//! Mondays of the batch's first week and of the week it was delivered; the sealed rows and the
//! hashes are deleted.

use super::*;
use crate::FeedbackStore;
use rand::Rng;
use rand::seq::SliceRandom;
use time::Date;
use trustloop_domain::feedback::{AnonymousRule, FeedbackText, check_receiver, week_of};
use trustloop_domain::model::Element;

/// What an anonymous item holds while it waits sealed.
#[derive(serde::Serialize, serde::Deserialize)]
struct Waiting {
    element: Element,
    text: FeedbackText,
    /// The Monday of the week it was written.
    week: String,
}

/// A random id for a delivered item: a positive number below 2^53 (which JSON readers hold
/// exactly), in no order.
fn random_id() -> i64 {
    rand::rng().random_range(1..(1i64 << 53))
}

/// The columns of a delivered item with its names and batch size.
const ITEM_SELECT: &str = "SELECT i.id, i.receiver_id, r.name AS receiver_name, i.sender_id,
        s.name AS sender_name, q.about, i.element, i.situation, i.behaviour, i.impact,
        i.suggestion, i.written_on, i.delivered_on, i.helpful, i.reply, i.replied_on,
        CASE WHEN i.batch IS NULL THEN 1
             ELSE (SELECT COUNT(*) FROM feedback_items b WHERE b.batch = i.batch) END AS batch_size
     FROM feedback_items i JOIN people r ON r.id = i.receiver_id
     LEFT JOIN people s ON s.id = i.sender_id
     LEFT JOIN feedback_requests q ON q.id = i.request_id";

/// The columns of a request with its counts.
const REQUEST_SELECT: &str = "SELECT q.id, q.asker_id, a.name AS asker_name, q.about,
        t.name AS team_name, q.asked_on,
        (SELECT COUNT(*) FROM feedback_request_people p WHERE p.request_id = q.id) AS asked,
        (SELECT COUNT(*) FROM feedback_items i WHERE i.request_id = q.id) AS named_answers
     FROM feedback_requests q JOIN people a ON a.id = q.asker_id
     LEFT JOIN teams t ON t.id = q.team_id";

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[sql_impl]
impl<DB> SqlStore<DB> {
    fn item_from_row(row: &DB::Row) -> StoreResult<FeedbackItem> {
        let element: String = row.try_get("element")?;
        let sender: Option<i64> = row.try_get("sender_id")?;
        let reply: Option<String> = row.try_get("reply")?;
        let replied: Option<String> = row.try_get("replied_on")?;
        Ok(FeedbackItem {
            id: FeedbackItemId(row.try_get("id")?),
            receiver_id: PersonId(row.try_get("receiver_id")?),
            receiver_name: row.try_get("receiver_name")?,
            sender: match sender {
                Some(id) => Some((PersonId(id), row.try_get("sender_name")?)),
                None => None,
            },
            request_about: row.try_get("about")?,
            element: Element::from_slug(&element)
                .ok_or_else(|| StoreError::Corrupt(format!("element {element:?}")))?,
            situation: row.try_get("situation")?,
            behaviour: row.try_get("behaviour")?,
            impact: row.try_get("impact")?,
            suggestion: row.try_get("suggestion")?,
            written_on: parse_date(&row.try_get::<String, _>("written_on")?)?,
            delivered_on: parse_date(&row.try_get::<String, _>("delivered_on")?)?,
            batch_size: count(row.try_get("batch_size")?),
            helpful: row.try_get::<Option<i64>, _>("helpful")?.map(|h| h == 1),
            reply: match (reply, replied) {
                (Some(text), Some(day)) => Some((text, parse_date(&day)?)),
                _ => None,
            },
        })
    }

    fn request_from_row(row: &DB::Row) -> StoreResult<FeedbackRequest> {
        Ok(FeedbackRequest {
            id: FeedbackRequestId(row.try_get("id")?),
            asker_id: PersonId(row.try_get("asker_id")?),
            asker_name: row.try_get("asker_name")?,
            about: row.try_get("about")?,
            team: row.try_get("team_name")?,
            asked: count(row.try_get("asked")?),
            named_answers: count(row.try_get("named_answers")?),
            asked_on: parse_date(&row.try_get::<String, _>("asked_on")?)?,
        })
    }

    /// Whether the keyed hash `mark` is in `table`.
    async fn has_mark(
        conn: &mut DB::Connection,
        table: &str,
        mark: &[u8; 32],
    ) -> StoreResult<bool> {
        let found: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE mark = $1"))
                .bind(mark.to_vec())
                .fetch_one(&mut *conn)
                .await?;
        Ok(found > 0)
    }

    /// Checks that `person` was asked `request`; returns who asked it.
    async fn asked(
        conn: &mut DB::Connection,
        person: PersonId,
        request: FeedbackRequestId,
    ) -> StoreResult<PersonId> {
        let asker: Option<i64> = sqlx::query_scalar(
            "SELECT q.asker_id FROM feedback_requests q
             JOIN feedback_request_people p ON p.request_id = q.id
             WHERE q.id = $1 AND p.person_id = $2",
        )
        .bind(request.0)
        .bind(person.0)
        .fetch_optional(&mut *conn)
        .await?;
        asker.map(PersonId).ok_or(StoreError::NotFound("request"))
    }

    /// Marks `request` done for `person` (answered or set aside).
    async fn mark_request_done(
        &self,
        conn: &mut DB::Connection,
        person: PersonId,
        request: FeedbackRequestId,
    ) -> StoreResult<()> {
        let mark = self
            .key
            .feedback_mark("request", &[request.0, person.0], "");
        sqlx::query("INSERT INTO feedback_request_marks (mark) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(mark.to_vec())
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Seals an anonymous item to wait for its receiver's batch, and delivers the batch when
    /// it reaches k. Whether it was delivered.
    async fn wait_anonymous(
        &self,
        conn: &mut DB::Connection,
        new: &NewFeedback,
        receiver_name: &str,
    ) -> StoreResult<bool> {
        let waiting_mark = self
            .key
            .feedback_mark("waiting", &[new.sender.0, new.receiver.0], "");
        if Self::has_mark(conn, "feedback_waiting_marks", &waiting_mark).await? {
            return Err(StoreError::Conflict(format!(
                "You already have anonymous feedback waiting for {receiver_name}: it is delivered together with other people's. Send this one with your name, or send it once the first has been delivered."
            )));
        }
        sqlx::query("INSERT INTO feedback_waiting_marks (mark, receiver_id) VALUES ($1, $2)")
            .bind(waiting_mark.to_vec())
            .bind(new.receiver.0)
            .execute(&mut *conn)
            .await?;
        let plain = serde_json::to_vec(&Waiting {
            element: new.element,
            text: new.text.clone(),
            week: format_date(week_of(new.today)),
        })
        .map_err(|e| StoreError::Corrupt(format!("feedback: {e}")))?;
        sqlx::query("INSERT INTO feedback_pending (id, receiver_id, sealed) VALUES ($1, $2, $3)")
            .bind(uuid::Uuid::new_v4().simple().to_string())
            .bind(new.receiver.0)
            .bind(self.key.seal(Purpose::FeedbackItem, &plain))
            .execute(&mut *conn)
            .await?;
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM feedback_pending WHERE receiver_id = $1")
                .bind(new.receiver.0)
                .fetch_one(&mut *conn)
                .await?;
        if !(AnonymousRule { k: new.k }).delivers(count(waiting)) {
            return Ok(false);
        }
        self.deliver_batch(conn, new.receiver, new.today).await?;
        Ok(true)
    }

    /// Opens every item waiting for `receiver` and writes them, shuffled, as one batch.
    async fn deliver_batch(
        &self,
        conn: &mut DB::Connection,
        receiver: PersonId,
        today: Date,
    ) -> StoreResult<()> {
        let sealed: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM feedback_pending WHERE receiver_id = $1")
                .bind(receiver.0)
                .fetch_all(&mut *conn)
                .await?;
        let mut items = Vec::with_capacity(sealed.len());
        for sealed in sealed {
            let plain = self.key.open(Purpose::FeedbackItem, &sealed)?;
            let item: Waiting = serde_json::from_slice(&plain)
                .map_err(|e| StoreError::Corrupt(format!("waiting feedback: {e}")))?;
            items.push(item);
        }
        items.shuffle(&mut rand::rng());
        let first_week = items
            .iter()
            .map(|i| i.week.clone())
            .min()
            .unwrap_or_else(|| format_date(week_of(today)));
        let batch = uuid::Uuid::new_v4().simple().to_string();
        for item in &items {
            sqlx::query(
                "INSERT INTO feedback_items (id, receiver_id, batch, element, situation,
                    behaviour, impact, suggestion, written_on, delivered_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(random_id())
            .bind(receiver.0)
            .bind(&batch)
            .bind(item.element.slug())
            .bind(item.text.get(trustloop_domain::feedback::Part::Situation))
            .bind(item.text.get(trustloop_domain::feedback::Part::Behaviour))
            .bind(item.text.get(trustloop_domain::feedback::Part::Impact))
            .bind(item.text.suggestion())
            .bind(&first_week)
            .bind(format_date(week_of(today)))
            .execute(&mut *conn)
            .await?;
        }
        for table in ["feedback_pending", "feedback_waiting_marks"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE receiver_id = $1"))
                .bind(receiver.0)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
}

#[sql_impl]
#[async_trait]
impl<DB> FeedbackStore for SqlStore<DB> {
    #[tracing::instrument(skip_all)]
    async fn feedback_people(&self) -> StoreResult<Vec<(PersonId, String)>> {
        let rows =
            sqlx::query("SELECT id, name FROM people WHERE left_on IS NULL ORDER BY name, id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| Ok((PersonId(row.try_get("id")?), row.try_get("name")?)))
            .collect()
    }

    #[tracing::instrument(skip_all, fields(receiver = %new.receiver))]
    async fn send_feedback(&self, new: &NewFeedback) -> StoreResult<FeedbackSent> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let form = self.key.feedback_mark("form", &[], &new.form_token);
        if Self::has_mark(&mut tx, "feedback_sent_forms", &form).await? {
            return Ok(FeedbackSent::AlreadySent);
        }
        // The receiver's row, locked (PostgreSQL): two anonymous items sent at once never both
        // miss, or both deliver, the same batch.
        let receiver = sqlx::query(&format!(
            "SELECT name, left_on FROM people WHERE id = $1 {}",
            DB::LOCK_SELECTED
        ))
        .bind(new.receiver.0)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("person"))?;
        let name: String = receiver.try_get("name")?;
        let left = match receiver.try_get::<Option<String>, _>("left_on")? {
            Some(day) => Some(parse_date(&day)?),
            None => None,
        };
        check_receiver(new.sender.0, new.receiver.0, &name, left, new.today)
            .map_err(|refusal| StoreError::Conflict(refusal.message()))?;
        if let Some(request) = new.request {
            let asker = Self::asked(&mut tx, new.sender, request).await?;
            if asker != new.receiver {
                return Err(StoreError::Conflict(
                    "Feedback that answers a request goes to the person who asked for it.".into(),
                ));
            }
            self.mark_request_done(&mut tx, new.sender, request).await?;
        }
        let inserted = sqlx::query("INSERT INTO feedback_sent_forms (mark) VALUES ($1)")
            .bind(form.to_vec())
            .execute(&mut *tx)
            .await;
        match inserted {
            Ok(_) => {}
            // The same form sent at the same moment on another connection (PostgreSQL).
            Err(e) if is_unique_violation(&e) => return Ok(FeedbackSent::AlreadySent),
            Err(e) => return Err(e.into()),
        }
        let sent = if new.anonymous {
            if self.wait_anonymous(&mut tx, new, &name).await? {
                FeedbackSent::BatchDelivered
            } else {
                FeedbackSent::Waiting
            }
        } else {
            let id = random_id();
            let today = format_date(new.today);
            sqlx::query(
                "INSERT INTO feedback_items (id, receiver_id, sender_id, request_id, element,
                    situation, behaviour, impact, suggestion, written_on, delivered_on)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(id)
            .bind(new.receiver.0)
            .bind(new.sender.0)
            .bind(new.request.map(|r| r.0))
            .bind(new.element.slug())
            .bind(new.text.get(trustloop_domain::feedback::Part::Situation))
            .bind(new.text.get(trustloop_domain::feedback::Part::Behaviour))
            .bind(new.text.get(trustloop_domain::feedback::Part::Impact))
            .bind(new.text.suggestion())
            .bind(today)
            .execute(&mut *tx)
            .await?;
            FeedbackSent::Delivered(FeedbackItemId(id))
        };
        tx.commit().await?;
        Ok(sent)
    }

    #[tracing::instrument(skip_all, fields(receiver = %receiver))]
    async fn feedback_received(&self, receiver: PersonId) -> StoreResult<Vec<FeedbackItem>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE i.receiver_id = $1 ORDER BY i.delivered_on DESC, i.batch, i.id"
        ))
        .bind(receiver.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::item_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(sender = %sender))]
    async fn feedback_given(&self, sender: PersonId) -> StoreResult<Vec<FeedbackItem>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE i.sender_id = $1 ORDER BY i.delivered_on DESC, i.id"
        ))
        .bind(sender.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::item_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(receiver = %receiver, item = %item))]
    async fn mark_feedback(
        &self,
        receiver: PersonId,
        item: FeedbackItemId,
        helpful: bool,
    ) -> StoreResult<()> {
        let changed = sqlx::query(
            "UPDATE feedback_items SET helpful = $1 WHERE id = $2 AND receiver_id = $3",
        )
        .bind(i64::from(helpful))
        .bind(item.0)
        .bind(receiver.0)
        .execute(&self.pool)
        .await?;
        if DB::rows_affected(&changed) == 0 {
            return Err(StoreError::NotFound("feedback"));
        }
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(receiver = %receiver, item = %item))]
    async fn reply_to_feedback(
        &self,
        receiver: PersonId,
        item: FeedbackItemId,
        reply: &str,
        today: Date,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let sender: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT sender_id FROM feedback_items WHERE id = $1 AND receiver_id = $2",
        )
        .bind(item.0)
        .bind(receiver.0)
        .fetch_optional(&mut *tx)
        .await?;
        match sender {
            None => return Err(StoreError::NotFound("feedback")),
            Some(None) => {
                return Err(StoreError::Conflict(
                    "Anonymous feedback cannot be replied to: nothing links it to its sender."
                        .into(),
                ));
            }
            Some(Some(_)) => {}
        }
        sqlx::query("UPDATE feedback_items SET reply = $1, replied_on = $2 WHERE id = $3")
            .bind(reply)
            .bind(format_date(today))
            .bind(item.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(asker = %new.asker))]
    async fn ask_for_feedback(&self, new: &NewFeedbackRequest) -> StoreResult<FeedbackRequestId> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        let (asked, team) = match &new.to {
            AskChoice::People(people) => {
                let mut asked: Vec<i64> = Vec::with_capacity(people.len());
                for person in people {
                    let row = sqlx::query("SELECT name, left_on FROM people WHERE id = $1")
                        .bind(person.0)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound("person"))?;
                    if *person == new.asker {
                        return Err(StoreError::Conflict(
                            "You cannot ask yourself for feedback: choose other people.".into(),
                        ));
                    }
                    if row.try_get::<Option<String>, _>("left_on")?.is_some() {
                        let name: String = row.try_get("name")?;
                        return Err(StoreError::Conflict(format!(
                            "{name} has left the organisation: choose someone else."
                        )));
                    }
                    if !asked.contains(&person.0) {
                        asked.push(person.0);
                    }
                }
                (asked, None)
            }
            AskChoice::Team(team) => {
                let members = Self::team_members_but(&mut tx, *team, new.asker).await?;
                (members, Some(team.0))
            }
        };
        if asked.is_empty() {
            return Err(StoreError::Conflict(
                "Nobody would be asked: choose at least one person, or a team with other members."
                    .into(),
            ));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO feedback_requests (asker_id, about, team_id, asked_on)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(new.asker.0)
        .bind(&new.about)
        .bind(team)
        .bind(format_date(new.today))
        .fetch_one(&mut *tx)
        .await?;
        for person in asked {
            sqlx::query(
                "INSERT INTO feedback_request_people (request_id, person_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(FeedbackRequestId(id))
    }

    #[tracing::instrument(skip_all, fields(person = %person))]
    async fn feedback_requests_for(&self, person: PersonId) -> StoreResult<Vec<FeedbackRequest>> {
        let mut conn = self.pool.acquire().await?;
        let rows = sqlx::query(&format!(
            "{REQUEST_SELECT} JOIN feedback_request_people p ON p.request_id = q.id
             WHERE p.person_id = $1 ORDER BY q.asked_on DESC, q.id DESC"
        ))
        .bind(person.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut open = Vec::with_capacity(rows.len());
        for row in &rows {
            let request = Self::request_from_row(row)?;
            let mark = self
                .key
                .feedback_mark("request", &[request.id.0, person.0], "");
            if !Self::has_mark(&mut conn, "feedback_request_marks", &mark).await? {
                open.push(request);
            }
        }
        Ok(open)
    }

    #[tracing::instrument(skip_all, fields(asker = %asker))]
    async fn feedback_requests_by(&self, asker: PersonId) -> StoreResult<Vec<FeedbackRequest>> {
        let rows = sqlx::query(&format!(
            "{REQUEST_SELECT} WHERE q.asker_id = $1 ORDER BY q.asked_on DESC, q.id DESC"
        ))
        .bind(asker.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(Self::request_from_row).collect()
    }

    #[tracing::instrument(skip_all, fields(person = %person, request = %request))]
    async fn set_feedback_request_aside(
        &self,
        person: PersonId,
        request: FeedbackRequestId,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await?;
        Self::asked(&mut tx, person, request).await?;
        self.mark_request_done(&mut tx, person, request).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn feedback_counts_by_team(&self) -> StoreResult<Vec<TeamFeedbackCount>> {
        let rows = sqlx::query(
            "SELECT t.name, COUNT(*) AS items,
                CAST(SUM(CASE WHEN i.helpful = 1 THEN 1 ELSE 0 END) AS BIGINT) AS helpful,
                CAST(SUM(CASE WHEN i.helpful IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS rated,
                COUNT(DISTINCT i.sender_id) AS named_senders,
                COUNT(DISTINCT i.batch) AS anonymous_batches
             FROM feedback_items i JOIN people p ON p.id = i.receiver_id
             JOIN teams t ON t.id = p.team_id
             GROUP BY t.name ORDER BY t.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TeamFeedbackCount {
                    team: row.try_get("name")?,
                    items: count(row.try_get("items")?),
                    helpful: count(row.try_get("helpful")?),
                    rated: count(row.try_get("rated")?),
                    named_senders: count(row.try_get("named_senders")?),
                    anonymous_batches: count(row.try_get("anonymous_batches")?),
                })
            })
            .collect()
    }
}
