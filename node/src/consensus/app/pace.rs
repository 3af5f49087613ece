//! Pace: when the next height starts. With transactions waiting it starts at once (the engine's
//! `target_time` spaces the heights); with none it waits for one, or for the heartbeat, a
//! `heartbeat` after the head's timestamp, so an idle chain makes one block a heartbeat and its
//! time still advances for expiry and proof age. Each validator decides for itself: one that
//! has not started yet starts on the first part of the next height's proposal; messages for a
//! height the engine has not started are queued by the engine.

use std::time::{Duration, Instant};

use malachite_app_channel::Reply;
use malachite_app_channel::app::engine::host::Next;
use malachite_app_channel::app::types::core as mc;
use tracing::debug;

use super::App;
use super::proposing::now_ms;
use crate::consensus::context::{Height, HengxinContext};
use crate::mempool::Mempool;

/// The engine's request for the next height, held while the chain is idle.
pub(super) struct Idle {
    reply: Reply<Next<HengxinContext>>,
    /// When the heartbeat is due.
    pub(super) until: Instant,
}

impl App {
    /// The next height when the decided block is committed (at once, or when there is work or
    /// the heartbeat is due); the same height again when not.
    pub(super) fn finalized(
        &mut self,
        certificate: &mc::CommitCertificate<HengxinContext>,
        reply: Reply<Next<HengxinContext>>,
    ) -> anyhow::Result<()> {
        if self.head.height < certificate.height.0 {
            let params = self.height_params(certificate.height.0)?;
            let _ = reply.send(Next::Restart(certificate.height, params));
            return Ok(());
        }
        match self.idle_until()? {
            Some(until) => {
                debug!(
                    height = self.head.height + 1,
                    "idle: waiting for a transaction or the heartbeat"
                );
                self.idle = Some(Idle { reply, until });
                Ok(())
            }
            None => self.start_next(reply),
        }
    }

    /// Starts the next height if the chain is idle and there is now a reason to.
    pub(super) fn resume_if_due(&mut self) -> anyhow::Result<()> {
        if self.idle.is_some() && self.idle_until()?.is_none() {
            self.resume()?;
        }
        Ok(())
    }

    /// Starts the next height if the chain is idle (a peer's proposal for it arrived).
    pub(super) fn resume(&mut self) -> anyhow::Result<()> {
        match self.idle.take() {
            Some(idle) => self.start_next(idle.reply),
            None => Ok(()),
        }
    }

    fn start_next(&self, reply: Reply<Next<HengxinContext>>) -> anyhow::Result<()> {
        let next = self.head.height + 1;
        let _ = reply.send(Next::Start(Height(next), self.height_params(next)?));
        Ok(())
    }

    /// When the heartbeat is due, or `None` to start now: a transaction is ready, the head came
    /// from sync (a node catching up does not wait), or the heartbeat is due.
    fn idle_until(&self) -> anyhow::Result<Option<Instant>> {
        if self.synced == Some(self.head.height) {
            return Ok(None);
        }
        let (chain, head) = (&self.chain, self.head.height);
        if self
            .mempool
            .has_ready(|account| chain.nonce(account, head))?
        {
            return Ok(None);
        }
        let heartbeat = u64::try_from(self.params.heartbeat.as_millis()).unwrap_or(u64::MAX);
        let due = self.head.timestamp_ms.saturating_add(heartbeat);
        let now = now_ms();
        Ok((due > now).then(|| Instant::now() + Duration::from_millis(due - now)))
    }
}

/// Returns when a transaction was admitted or `until` passed.
pub(super) async fn wake(mempool: &Mempool, until: Instant) {
    tokio::select! {
        () = tokio::time::sleep_until(until.into()) => {}
        () = mempool.admitted() => {}
    }
}
