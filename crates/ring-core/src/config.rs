//! Ring and channel configuration.

use thiserror::Error;

/// The largest accepted `ring_bits` (2^32 slots per ring on 64-bit targets).
pub const MAX_RING_BITS: u32 = if usize::BITS >= 64 { 32 } else { 24 };
/// The largest accepted `max_producers` / `max_consumers`.
pub const MAX_HANDLES: usize = 1 << 16;

/// Sizes shared by every channel family.
///
/// `ring_bits` sets the capacity of each ring (`1 << ring_bits` slots);
/// `max_producers` is the initial size of the MPSC/MPMC ring table (which
/// grows); `max_consumers` bounds SPMC/MPMC consumer registration.
///
/// The builders are `const fn` and panic on an impossible value with a fixed
/// message naming the rule (at compile time in const context); the `try_`
/// forms return [`ConfigError`] for values that come from outside.
///
/// # Examples
///
/// ```
/// use ring_core::Config;
///
/// const CFG: Config = Config::LOW_LATENCY.with_max_producers(8);
/// assert_eq!(CFG.capacity(), 4096);
///
/// // Values read from a file or a flag: no panic, a typed error.
/// assert!(Config::default().try_with_ring_bits(99).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Config {
    ring_bits: u32,
    max_producers: usize,
    max_consumers: usize,
}

impl Default for Config {
    /// `ring_bits = 16` (65,536 slots), `max_producers = 16`, `max_consumers = 16`.
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl Config {
    /// `ring_bits = 16`, `max_producers = 16`, `max_consumers = 16`.
    pub const DEFAULT: Config = Config {
        ring_bits: 16,
        max_producers: 16,
        max_consumers: 16,
    };
    /// 4,096 slots per ring: fits in L1/L2, lowest latency.
    pub const LOW_LATENCY: Config = Config::DEFAULT.with_ring_bits(12);
    /// 262,144 slots per ring and 32 initial producer rings: maximum buffering.
    pub const HIGH_THROUGHPUT: Config = Config::DEFAULT.with_ring_bits(18).with_max_producers(32);
    /// 1,024 slots per ring and 4 initial producer rings.
    pub const ULTRA_LOW_LATENCY: Config = Config::DEFAULT.with_ring_bits(10).with_max_producers(4);

    /// Sets `ring_bits` (capacity `1 << bits`).
    ///
    /// # Panics
    ///
    /// If `bits` is 0 or greater than [`MAX_RING_BITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// const SMALL: Config = Config::DEFAULT.with_ring_bits(4); // checked at compile time
    /// assert_eq!(SMALL.capacity(), 16);
    /// ```
    pub const fn with_ring_bits(self, bits: u32) -> Config {
        match self.try_with_ring_bits(bits) {
            Ok(c) => c,
            Err(_) => panic!("Config: ring_bits must be in 1..=MAX_RING_BITS (capacity 2 .. 2^32)"),
        }
    }

    /// Sets the initial size of the producer ring table (MPSC, MPMC).
    ///
    /// # Panics
    ///
    /// If `n` is 0 or greater than [`MAX_HANDLES`].
    ///
    /// # Examples
    ///
    /// ```
    /// let c = ring_core::Config::default().with_max_producers(4);
    /// assert_eq!(c.max_producers(), 4);
    /// ```
    pub const fn with_max_producers(self, n: usize) -> Config {
        match self.try_with_max_producers(n) {
            Ok(c) => c,
            Err(_) => panic!("Config: max_producers must be in 1..=MAX_HANDLES (65,536)"),
        }
    }

    /// Sets the consumer registration bound (SPMC, MPMC).
    ///
    /// # Panics
    ///
    /// If `n` is 0 or greater than [`MAX_HANDLES`].
    ///
    /// # Examples
    ///
    /// ```
    /// let c = ring_core::Config::default().with_max_consumers(2);
    /// assert_eq!(c.max_consumers(), 2);
    /// ```
    pub const fn with_max_consumers(self, n: usize) -> Config {
        match self.try_with_max_consumers(n) {
            Ok(c) => c,
            Err(_) => panic!("Config: max_consumers must be in 1..=MAX_HANDLES (65,536)"),
        }
    }

    /// Non-panicking [`with_ring_bits`](Self::with_ring_bits).
    ///
    /// # Errors
    ///
    /// [`ConfigError::RingBits`] if `bits` is 0 or greater than [`MAX_RING_BITS`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, ConfigError, MAX_RING_BITS};
    /// assert_eq!(Config::default().try_with_ring_bits(3).map(|c| c.capacity()), Ok(8));
    /// assert_eq!(Config::default().try_with_ring_bits(0), Err(ConfigError::RingBits { bits: 0 }));
    /// assert!(Config::default().try_with_ring_bits(MAX_RING_BITS + 1).is_err());
    /// ```
    pub const fn try_with_ring_bits(self, bits: u32) -> Result<Config, ConfigError> {
        Config {
            ring_bits: bits,
            ..self
        }
        .checked()
    }

    /// Non-panicking [`with_max_producers`](Self::with_max_producers).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MaxProducers`] if `n` is 0 or greater than [`MAX_HANDLES`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, ConfigError, MAX_HANDLES};
    /// assert_eq!(Config::default().try_with_max_producers(8).map(|c| c.max_producers()), Ok(8));
    /// assert_eq!(Config::default().try_with_max_producers(0), Err(ConfigError::MaxProducers { n: 0 }));
    /// assert!(Config::default().try_with_max_producers(MAX_HANDLES + 1).is_err());
    /// ```
    pub const fn try_with_max_producers(self, n: usize) -> Result<Config, ConfigError> {
        Config {
            max_producers: n,
            ..self
        }
        .checked()
    }

    /// Non-panicking [`with_max_consumers`](Self::with_max_consumers).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MaxConsumers`] if `n` is 0 or greater than [`MAX_HANDLES`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, ConfigError, MAX_HANDLES};
    /// assert_eq!(Config::default().try_with_max_consumers(8).map(|c| c.max_consumers()), Ok(8));
    /// assert_eq!(Config::default().try_with_max_consumers(0), Err(ConfigError::MaxConsumers { n: 0 }));
    /// assert!(Config::default().try_with_max_consumers(MAX_HANDLES + 1).is_err());
    /// ```
    pub const fn try_with_max_consumers(self, n: usize) -> Result<Config, ConfigError> {
        Config {
            max_consumers: n,
            ..self
        }
        .checked()
    }

    /// `self` if every field is in range, else the error naming the first
    /// that is not: the one place the `try_with_*` setters' bounds live.
    const fn checked(self) -> Result<Config, ConfigError> {
        let Config {
            ring_bits,
            max_producers,
            max_consumers,
        } = self;
        if ring_bits == 0 || ring_bits > MAX_RING_BITS {
            Err(ConfigError::RingBits { bits: ring_bits })
        } else if max_producers == 0 || max_producers > MAX_HANDLES {
            Err(ConfigError::MaxProducers { n: max_producers })
        } else if max_consumers == 0 || max_consumers > MAX_HANDLES {
            Err(ConfigError::MaxConsumers { n: max_consumers })
        } else {
            Ok(self)
        }
    }

    /// Slots per ring: `1 << ring_bits`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// assert_eq!(Config::default().capacity(), 65_536);
    /// assert_eq!(Config::default().with_ring_bits(10).capacity(), 1024);
    /// ```
    pub const fn capacity(&self) -> usize {
        1usize << self.ring_bits
    }

    /// `log2` of the capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// assert_eq!(Config::LOW_LATENCY.ring_bits(), 12);
    /// assert_eq!(Config::LOW_LATENCY.capacity(), 1 << Config::LOW_LATENCY.ring_bits());
    /// ```
    pub const fn ring_bits(&self) -> u32 {
        self.ring_bits
    }

    /// Initial size of the producer ring table.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::Config;
    /// assert_eq!(Config::default().max_producers(), 16);
    /// assert_eq!(Config::HIGH_THROUGHPUT.max_producers(), 32);
    /// ```
    pub const fn max_producers(&self) -> usize {
        self.max_producers
    }

    /// Consumer registration bound.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ring_core::Config::default().max_consumers(), 16);
    /// ```
    pub const fn max_consumers(&self) -> usize {
        self.max_consumers
    }
}

/// An impossible configuration value (from a `Config::try_with_*` builder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `ring_bits` outside `1..=MAX_RING_BITS`.
    #[error("ring_bits = {bits} is out of range: it must be in 1..={max}", max = MAX_RING_BITS)]
    RingBits {
        /// The rejected value.
        bits: u32,
    },
    /// `max_producers` outside `1..=MAX_HANDLES`.
    #[error("max_producers = {n} is out of range: it must be in 1..={max}", max = MAX_HANDLES)]
    MaxProducers {
        /// The rejected value.
        n: usize,
    },
    /// `max_consumers` outside `1..=MAX_HANDLES`.
    #[error("max_consumers = {n} is out of range: it must be in 1..={max}", max = MAX_HANDLES)]
    MaxConsumers {
        /// The rejected value.
        n: usize,
    },
    /// Watermarks that are not `low < high <= capacity`.
    #[error(
        "watermarks low = {low}, high = {high} are impossible: they need low < high <= capacity{}",
        CapacityNote(*.capacity)
    )]
    Watermarks {
        /// The low watermark given.
        low: usize,
        /// The high watermark given.
        high: usize,
        /// The ring's capacity, when the check was against it.
        capacity: Option<usize>,
    },
}

/// ` (capacity)` after a watermark error's rule, when the check knew it.
struct CapacityNote(Option<usize>);

impl core::fmt::Display for CapacityNote {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(c) => write!(f, " ({c})"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_contract() {
        assert_eq!(Config::default().capacity(), 65_536);
        assert_eq!(Config::default().max_producers(), 16);
        assert_eq!(Config::default().max_consumers(), 16);
        assert_eq!(Config::LOW_LATENCY.ring_bits(), 12);
        assert_eq!(Config::HIGH_THROUGHPUT.ring_bits(), 18);
        assert_eq!(Config::HIGH_THROUGHPUT.max_producers(), 32);
        assert_eq!(Config::ULTRA_LOW_LATENCY.ring_bits(), 10);
        assert_eq!(Config::ULTRA_LOW_LATENCY.max_producers(), 4);
    }

    #[test]
    fn try_forms_reject_impossible_values() {
        let c = Config::default();
        assert_eq!(
            c.try_with_ring_bits(0),
            Err(ConfigError::RingBits { bits: 0 })
        );
        assert_eq!(
            c.try_with_ring_bits(MAX_RING_BITS + 1),
            Err(ConfigError::RingBits {
                bits: MAX_RING_BITS + 1
            })
        );
        assert_eq!(
            c.try_with_max_producers(0),
            Err(ConfigError::MaxProducers { n: 0 })
        );
        assert_eq!(
            c.try_with_max_consumers(MAX_HANDLES + 1),
            Err(ConfigError::MaxConsumers { n: MAX_HANDLES + 1 })
        );
        assert_eq!(c.try_with_ring_bits(1).unwrap().capacity(), 2);
    }

    #[test]
    #[should_panic(expected = "ring_bits must be in 1..=MAX_RING_BITS")]
    fn builder_panics_with_the_rule() {
        let _ = Config::default().with_ring_bits(0);
    }
}
