//! The servers' own work, on the job table (decisions.md D4): every `serve` process ticks the
//! same runner; a job is scheduled once per (kind, subject, due time) however many servers
//! schedule it, and run by the one that leases it. A lease that runs out (a server that died
//! mid-job) is taken over. The periodic sweep (SMS retries, projects past their end, no-shows,
//! reviews past their deadline)
//! is a job of each five-second slot, so two servers never sweep the same slot twice.

use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services};
use hongmajia_store::{jobs, new_id};
use time::{Duration, OffsetDateTime};

/// The sweep of one five-second slot.
pub const SWEEP: &str = "sweep";
/// Encodes again the evidence images stored before uploads were cleaned, a batch at a time.
pub const CLEAN_EVIDENCE: &str = "clean_evidence";
/// Few per run: a run holds the server's job loop, and must end well within its lease.
const EVIDENCE_PER_RUN: i64 = 5;
const SWEEP_EVERY_SECONDS: i64 = 5;
/// How long a server holds a job before another may take it over.
const LEASE: Duration = Duration::seconds(60);
/// When a failed job is tried again.
const RETRY_AFTER: Duration = Duration::seconds(30);
/// Done sweeps are kept this long (for the operator to look at), then forgotten.
const KEEP_DONE_SWEEPS: Duration = Duration::hours(1);

/// The start of the sweep slot `at` falls in.
pub fn sweep_slot(at: OffsetDateTime) -> OffsetDateTime {
    let seconds = at.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(seconds - seconds.rem_euclid(SWEEP_EVERY_SECONDS)).unwrap_or(at)
}

impl Services {
    /// Schedules the sweep of the slot `at` falls in (a no-op when any server did).
    pub async fn schedule_sweep(&self, at: OffsetDateTime) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the sweep's scheduling")?;
        jobs::schedule(&mut tx, new_id(), SWEEP, "", sweep_slot(at))
            .await
            .doing("scheduling the sweep")?;
        tx.commit().await.doing("committing the sweep's scheduling")
    }

    /// Runs every due job this server (`owner`) can lease; how many it ran.
    pub async fn run_due_jobs(&self, owner: &str) -> ServiceResult<usize> {
        let now = self.now();
        let due = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            jobs::due(&mut tx, now, 20).await.doing("reading the due jobs")?
        };
        let mut ran = 0;
        for job in due {
            if !self.lease(&job, owner).await? {
                continue;
            }
            let outcome = self.run_job(&job).await;
            let error = outcome.as_ref().err().map(ToString::to_string);
            if let Some(error) = &error {
                tracing::error!(job = job.id, kind = %job.kind, %error, "a job failed; it is tried again");
            }
            let now = self.now();
            let mut tx = self.db.begin().await.doing("starting the job's end")?;
            jobs::finish(&mut tx, job.id, owner, error.as_deref(), (now, now + RETRY_AFTER))
                .await
                .doing("ending the job")?;
            tx.commit().await.doing("committing the job's end")?;
            ran += 1;
        }
        Ok(ran)
    }

    async fn lease(&self, job: &jobs::JobRow, owner: &str) -> ServiceResult<bool> {
        let now = self.now();
        let mut tx = self.db.begin().await.doing("starting the lease")?;
        let leased = jobs::lease(&mut tx, job.id, owner, now, now + LEASE)
            .await
            .doing("leasing the job")?;
        tx.commit().await.doing("committing the lease")?;
        Ok(leased)
    }

    async fn run_job(&self, job: &jobs::JobRow) -> ServiceResult<()> {
        match job.kind.as_str() {
            SWEEP => self.sweep().await,
            CLEAN_EVIDENCE => self.clean_evidence().await,
            // A kind a newer server schedules: left for it (tried again later).
            other => Err(ServiceError::Internal(anyhow::anyhow!(
                "no runner for jobs of kind {other}"
            ))),
        }
    }

    /// The periodic work: each part runs even when another failed; the first failure is told.
    async fn sweep(&self) -> ServiceResult<()> {
        let delivered = self.deliver_due().await.map(drop);
        let closed = self.close_ended_projects().await.map(drop);
        let marked = self.mark_no_shows().await.map(drop);
        let escalated = self.escalate_overdue_reviews().await.map(drop);
        let forgotten = self.forget_done_sweeps().await;
        delivered.and(closed).and(marked).and(escalated).and(forgotten)
    }

    /// Schedules the cleaning of old evidence (a server does at its start; the job table makes
    /// it one job however many start at once).
    pub async fn schedule_evidence_cleaning(&self) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the cleaning's scheduling")?;
        jobs::schedule(&mut tx, new_id(), CLEAN_EVIDENCE, "", sweep_slot(self.now()))
            .await
            .doing("scheduling the cleaning")?;
        tx.commit().await.doing("committing the cleaning's scheduling")
    }

    /// Evidence stored before uploads were cleaned may keep its images as sent, with their EXIF
    /// and location: each image that carries such metadata is encoded again as an upload is now
    /// (one without, or a PDF, stays exactly as it is: no second lossy pass), a batch per run, and
    /// the next batch is scheduled while any are left. An image that no longer passes the checks
    /// is kept as it is and told to the operator, not lost; a check that could not run (no turn
    /// to decode, an internal error) ends the run, to be tried again, and marks nothing.
    async fn clean_evidence(&self) -> ServiceResult<()> {
        let batch = {
            let mut tx = self.db.read().await.doing("starting a read")?;
            hongmajia_store::records::uncleaned_evidence(&mut tx, EVIDENCE_PER_RUN)
                .await
                .doing("reading old evidence")?
        };
        let mut cleaned = 0;
        for (id, content_type, bytes) in &batch {
            let content = if crate::uploads::carries_metadata(bytes) {
                match crate::uploads::check(crate::uploads::UploadKind::Evidence, bytes.clone()).await {
                    Ok(checked) => Some(checked.bytes),
                    Err(error) if matches!(error.code(), None | Some(hongmajia_domain::ErrorCode::Busy)) => {
                        return Err(error);
                    }
                    Err(error) => {
                        tracing::warn!(evidence = id, %content_type, %error, "old evidence kept as it is");
                        None
                    }
                }
            } else {
                None
            };
            let mut tx = self.db.begin().await.doing("starting the cleaning")?;
            if hongmajia_store::records::set_cleaned_evidence(&mut tx, *id, content.as_deref(), self.now())
                .await
                .doing("storing the cleaned evidence")?
                && content.is_some()
            {
                cleaned += 1;
            }
            tx.commit().await.doing("committing the cleaned evidence")?;
        }
        if cleaned > 0 {
            self.audit_cleaning(cleaned).await?;
        }
        if let Some((last, ..)) = batch.last().filter(|_| batch.len() as i64 == EVIDENCE_PER_RUN) {
            // Named after the batch it follows, so it is not the same job as the one running.
            let mut tx = self.db.begin().await.doing("starting the next cleaning's scheduling")?;
            jobs::schedule(&mut tx, new_id(), CLEAN_EVIDENCE, &format!("after {last}"), self.now())
                .await
                .doing("scheduling the next cleaning")?;
            tx.commit().await.doing("committing the next cleaning's scheduling")?;
        }
        Ok(())
    }

    async fn audit_cleaning(&self, files: usize) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the cleaning's audit")?;
        let change = crate::audit::Change {
            action: hongmajia_domain::Action::RecordReview,
            target_kind: "evidence_file",
            target_id: String::new(),
            region: None,
            event: crate::audit::event!("evidence.cleaned", files = files),
        };
        crate::audit::record(&mut tx, &hongmajia_domain::Actor::System, self.now(), change).await?;
        tx.commit().await.doing("committing the cleaning's audit")
    }

    async fn forget_done_sweeps(&self) -> ServiceResult<()> {
        let mut tx = self.db.begin().await.doing("starting the forgetting")?;
        jobs::forget_done(&mut tx, SWEEP, self.now() - KEEP_DONE_SWEEPS)
            .await
            .doing("forgetting done sweeps")?;
        // Check-in nonces are worth nothing once expired; kept a while for the operator.
        hongmajia_store::records::forget_nonces(&mut tx, self.now() - KEEP_DONE_SWEEPS)
            .await
            .doing("forgetting expired check-in nonces")?;
        tx.commit().await.doing("committing the forgetting")
    }

    /// Every job's id, kind, holder, attempts and state (tests, the operator).
    pub async fn jobs(&self) -> ServiceResult<Vec<(i64, String, Option<String>, i64, String)>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        jobs::all(&mut tx).await.doing("reading the jobs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_slot_starts_on_a_multiple_of_five_seconds_and_holds_its_instants() {
        let at = time::macros::datetime!(2026-11-30 08:00:07.5 UTC);
        assert_eq!(sweep_slot(at), time::macros::datetime!(2026-11-30 08:00:05 UTC));
        assert_eq!(sweep_slot(sweep_slot(at)), sweep_slot(at));
        assert_ne!(sweep_slot(at + Duration::seconds(3)), sweep_slot(at));
    }
}
