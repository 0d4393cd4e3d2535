//! Retry policy (pure): how long to wait before retry `n`.

use std::time::Duration;

/// Cap on the doubling delay (SPEC §2: "grows x2 per retry (capped at 10s)").
pub const MAX_DELAY: Duration = Duration::from_secs(10);

/// Delay before retry number `retry` (0 = the first retry): `base * 2^retry`, capped.
pub fn delay(base: Duration, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.min(16));
    base.saturating_mul(factor).min(MAX_DELAY)
}

/// The waits of a check with `retries` retries, in order: the executor sleeps
/// `schedule(..).nth(k)` before retry `k`.
pub fn schedule(base: Duration, retries: u32) -> impl Iterator<Item = Duration> {
    (0..retries).map(move |n| delay(base, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_and_caps() {
        let b = Duration::from_millis(500);
        assert_eq!(delay(b, 0), Duration::from_millis(500));
        assert_eq!(delay(b, 1), Duration::from_secs(1));
        assert_eq!(delay(b, 2), Duration::from_secs(2));
        assert_eq!(delay(b, 5), MAX_DELAY);
        assert_eq!(delay(b, u32::MAX), MAX_DELAY);
        assert_eq!(delay(Duration::ZERO, 3), Duration::ZERO);
    }

    #[test]
    fn schedule_lists_one_wait_per_retry() {
        let ms = Duration::from_millis;
        let waits: Vec<_> = schedule(ms(500), 6).collect();
        assert_eq!(
            waits,
            [ms(500), ms(1000), ms(2000), ms(4000), ms(8000), MAX_DELAY]
        );
        assert_eq!(schedule(ms(500), 0).count(), 0);
    }
}
