//! Sequencing and integration in batches (as Tessera does): submitted entries queue up,
//! and one thread integrates them — everything queued, up to a batch size, waiting at
//! most a bounded delay for more — in one store transaction that ends with a signed
//! checkpoint. Under load, many submissions share one commit (and its fsync); alone, a
//! submission is integrated at once (the default delay is zero).

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use verity_ledger::SignedEntry;

use crate::StoreDb;
use crate::api::log::Appended;
use crate::db::{DbError, DbResult};

/// How appends are batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batching {
    /// Entries integrated in one transaction at most (a submission is never split).
    pub max_entries: usize,
    /// How long the integrator waits, after the first submission of a batch, for more.
    pub delay: Duration,
}

impl Default for Batching {
    fn default() -> Batching {
        Batching {
            max_entries: 4096,
            delay: Duration::ZERO,
        }
    }
}

struct Pending {
    entries: Vec<SignedEntry>,
    reply: tokio::sync::oneshot::Sender<DbResult<Appended>>,
}

/// The queue in front of the integrating thread. Dropping the last handle ends the
/// thread once the queue is drained.
pub struct Integrator {
    queue: mpsc::Sender<Pending>,
}

impl Integrator {
    pub fn start(store: Arc<StoreDb>, batching: Batching) -> Integrator {
        let (queue, rx) = mpsc::channel::<Pending>();
        let spawned = std::thread::Builder::new()
            .name("verity-integrator".into())
            .spawn(move || run(&store, &rx, batching));
        if let Err(e) = spawned {
            tracing::error!("cannot start the integrator thread: {e}");
        }
        Integrator { queue }
    }

    /// Queues `entries` and waits for their integration: their indices and the
    /// checkpoint signed after the batch that holds them.
    pub async fn append(&self, entries: Vec<SignedEntry>) -> DbResult<Appended> {
        let (reply, done) = tokio::sync::oneshot::channel();
        self.queue
            .send(Pending { entries, reply })
            .map_err(|_| DbError::other("the integrator has stopped"))?;
        done.await
            .map_err(|_| DbError::other("the integrator stopped before integrating"))?
    }
}

fn run(store: &StoreDb, rx: &mpsc::Receiver<Pending>, b: Batching) {
    while let Ok(first) = rx.recv() {
        let mut n = first.entries.len();
        let mut batch = vec![first];
        let deadline = Instant::now() + b.delay;
        while n < b.max_entries {
            // What is already queued, then (with a delay) what arrives before it ends.
            let next = match rx.try_recv() {
                Ok(p) => Some(p),
                Err(mpsc::TryRecvError::Disconnected) => None,
                Err(mpsc::TryRecvError::Empty) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        None
                    } else {
                        rx.recv_timeout(left).ok()
                    }
                }
            };
            let Some(p) = next else { break };
            if n + p.entries.len() > b.max_entries && n > 0 {
                // It waits for the next batch, at its head.
                integrate(store, std::mem::take(&mut batch));
                n = p.entries.len();
                batch.push(p);
                break;
            }
            n += p.entries.len();
            batch.push(p);
        }
        integrate(store, batch);
    }
}

/// One transaction for the whole batch; each submission gets its own indices and the
/// batch's checkpoint, or, if the transaction fails, the error.
fn integrate(store: &StoreDb, batch: Vec<Pending>) {
    if batch.is_empty() {
        return;
    }
    let groups: Vec<&[SignedEntry]> = batch.iter().map(|p| p.entries.as_slice()).collect();
    match store.append_batches(&groups) {
        Ok(done) => {
            for (p, a) in batch.into_iter().zip(done) {
                let _ = p.reply.send(Ok(a));
            }
        }
        Err(e) => {
            let msg = e.to_string();
            for p in batch {
                let _ = p.reply.send(Err(DbError::other(msg.clone())));
            }
        }
    }
}
