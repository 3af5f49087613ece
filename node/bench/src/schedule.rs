//! The run's schedule: the offered rate, and the clock whose window the workers and the watcher
//! both count by. Neither the load nor the watcher is imported here, so both can import it.

use std::time::{Duration, Instant};

/// An offered load.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// As fast as the nodes accept.
    Max,
    /// This many transactions per second.
    PerSecond(f64),
}

/// Reads `--rate`: a positive number, or `max`.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    if text == "max" {
        return Ok(Rate::Max);
    }
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Rate::PerSecond(rate)),
        _ => Err(format!(
            "`{text}` is neither a positive number of transactions per second nor `max`"
        )),
    }
}

/// The run's clock: its start, and the window after the warm-up.
pub struct Clock {
    /// When the schedule starts (transaction i is due `i / rate` after it).
    pub start: Instant,
    /// When the window opens, after the start.
    pub window_start: Duration,
    /// When it closes.
    pub window_end: Duration,
}

impl Clock {
    /// A clock from `start` whose window opens after `warmup` and lasts `seconds`.
    pub fn after(start: Instant, warmup: Duration, seconds: u64) -> Clock {
        Clock {
            start,
            window_start: warmup,
            window_end: warmup + Duration::from_secs(seconds),
        }
    }

    /// Whether `at` (after the start) falls in the window.
    pub fn in_window(&self, at: Duration) -> bool {
        (self.window_start..self.window_end).contains(&at)
    }
}
