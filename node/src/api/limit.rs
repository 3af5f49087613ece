//! Per-client-address rate limits: a token bucket per address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Requests each client address may make: a steady rate and a burst.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: u32,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 2_000,
            burst: 4_000,
        }
    }
}

/// The most client addresses the limiter tracks before it forgets idle ones.
const LIMITER_CLIENTS_MAX: usize = 100_000;

/// A token bucket per client address.
pub struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    /// A limiter allowing `limit` to each address.
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limit it applies.
    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Takes a token from `client`'s bucket, if it has one.
    pub fn allow(&self, client: IpAddr) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let now = Instant::now();
        if buckets.len() >= LIMITER_CLIENTS_MAX {
            let refill = f64::from(self.limit.burst) / f64::from(self.limit.per_second.max(1));
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < refill);
            if buckets.len() >= LIMITER_CLIENTS_MAX {
                buckets.clear();
            }
        }
        let burst = f64::from(self.limit.burst.max(1));
        let (tokens, at) = buckets.entry(client).or_insert((burst, now));
        *tokens = (*tokens
            + now.duration_since(*at).as_secs_f64() * f64::from(self.limit.per_second))
        .min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_allows_a_burst_then_the_rate() {
        let limiter = Limiter::new(RateLimit {
            per_second: 1,
            burst: 3,
        });
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| limiter.allow(a)));
        assert!(!limiter.allow(a), "the burst is spent");
        assert!(limiter.allow(b), "another client has its own bucket");
    }
}
