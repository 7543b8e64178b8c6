//! The one `Builder` of every channel family: configuration, the memory seam
//! and the observation seam, then `build` (implementor module for the
//! [`BuildChannel`] trait; applications use each family's `Builder` alias,
//! e.g. `ring_core::spsc::Builder` or `ringmpsc::mpsc::Builder`).
//!
//! A family is a marker type (its options, if any, as fields) that
//! implements [`BuildChannel`] for the memory seams it accepts; everything
//! else (`new`, `memory`, `observer`, `config`) is written here once.
//!
//! # Examples
//!
//! ```
//! use ring_core::{Config, Heap, spsc::Builder};
//! let (mut tx, mut rx) = Builder::new(Config::LOW_LATENCY)
//!     .memory(Heap)
//!     .observer(())
//!     .build::<u32>()?;
//! tx.try_send(1).unwrap();
//! assert_eq!(rx.try_recv(), Ok(1));
//! # Ok::<(), ring_core::spsc::BuildError>(())
//! ```

use core::fmt;

use crate::config::{Config, ConfigError};
use crate::seams::{Heap, MemoryError, Observer, RingMemory};
use crate::spsc::BuildError;
use crate::watermark::{Marks, Watermarks};

/// How a family builds its channel from a [`Builder`]'s parts. Implemented
/// by each family's marker type, for the memory seams it accepts (MPSC and
/// MPMC build a ring per producer, so they need `M: Clone`).
pub trait BuildChannel<M>: Sized {
    /// What `build` returns: the family's `(Producer, Consumer)` pair.
    type Channel<T, O: Observer>;

    /// Builds the channel.
    ///
    /// # Errors
    ///
    /// [`BuildError::CapacityOverflow`] when the ring's byte size overflows
    /// for `T`; [`BuildError::Memory`] when the memory seam fails.
    fn build_channel<T, O: Observer>(
        self,
        p: Parts<M, O>,
    ) -> Result<Self::Channel<T, O>, BuildError>;
}

/// What a [`Builder`] hands its family's [`BuildChannel::build_channel`]:
/// the configuration and both seams.
#[derive(Debug, Clone)]
pub struct Parts<M, O> {
    /// The channel's configuration.
    pub config: Config,
    /// Where the rings' memory comes from.
    pub memory: M,
    /// What the rings report to.
    pub observer: O,
    /// The watermarks asked for (`low < high` checked; `high` against the
    /// ring's capacity by [`marks`](Self::marks)).
    pub watermarks: Option<Watermarks>,
}

impl<M, O> Parts<M, O> {
    /// The handles' thresholds for rings of `capacity` (items, or bytes for
    /// a byte ring).
    ///
    /// # Errors
    ///
    /// [`BuildError::Config`] if the high watermark exceeds `capacity`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, Heap, Watermarks, builder::Parts};
    /// let p = Parts { config: Config::default(), memory: Heap, observer: (), watermarks: Some(Watermarks::new(1, 9)?) };
    /// assert!(p.marks(8).is_err());
    /// assert!(p.marks(16)?.is_on());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn marks(&self, capacity: usize) -> Result<Marks, BuildError> {
        Ok(Marks::for_ring(self.watermarks, capacity)?)
    }
}

/// Builds a channel of family `F` with a chosen memory seam (default: the
/// global heap) and observer (default: none, zero cost). Each family names
/// it as its own `Builder` (`spsc::Builder`, `mpsc::Builder`, ...).
///
/// # Examples
///
/// ```
/// use ring_core::{Config, spsc::Builder};
/// let (mut tx, mut rx) = Builder::new(Config::default()).build::<String>()?;
/// tx.try_send("hi".to_string()).unwrap();
/// assert_eq!(rx.try_recv().as_deref(), Ok("hi"));
/// # Ok::<(), ring_core::spsc::BuildError>(())
/// ```
#[must_use = "a builder does nothing until `build`"]
pub struct Builder<F, M = Heap, O = ()> {
    config: Config,
    memory: M,
    observer: O,
    watermarks: Option<Result<Watermarks, ConfigError>>,
    family: F,
}

crate::debug_fields! {
    impl<F: fmt::Debug, M, O> Debug for Builder<F, M, O> as "Builder", |this| {
        config: this.config,
        watermarks: this.watermarks,
        family: this.family,
    } ..
}

impl<F: Default> Builder<F> {
    /// A builder for `config` with the global heap and no observer.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let b = Builder::new(Config::LOW_LATENCY);
    /// assert_eq!(b.config().capacity(), 4096);
    /// ```
    pub fn new(config: Config) -> Self {
        Builder {
            config,
            memory: Heap,
            observer: (),
            watermarks: None,
            family: F::default(),
        }
    }
}

impl<F, M, O> Builder<F, M, O> {
    /// Places the rings' memory with `memory` (a [`RingMemory`] seam, e.g.
    /// ring-numa's `NodeLocal`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, Heap, spsc::Builder};
    /// let (mut tx, mut rx) = Builder::new(Config::default()).memory(Heap).build::<u8>()?;
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn memory<M2: RingMemory>(self, memory: M2) -> Builder<F, M2, O> {
        Builder {
            config: self.config,
            memory,
            observer: self.observer,
            watermarks: self.watermarks,
            family: self.family,
        }
    }

    /// Reports to `observer` (an [`Observer`] seam, e.g. ring-metrics'
    /// `Metrics`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// let (mut tx, rx) = Builder::new(Config::default()).observer(()).build::<u8>()?;
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn observer<O2: Observer>(self, observer: O2) -> Builder<F, M, O2> {
        Builder {
            config: self.config,
            memory: self.memory,
            observer,
            watermarks: self.watermarks,
            family: self.family,
        }
    }

    /// Reports fill crossings to the observer: `High` when a commit leaves
    /// the fill at `high` or above, then `Low` when a consume leaves it at
    /// `low` or below, each crossing once, by the call that crossed
    /// ([`Observer::on_watermark`]); handles answer
    /// `above_high_watermark()` and `fill()`. Counted in items (in bytes
    /// for a byte ring), per ring: in MPSC and MPMC each producer's ring has
    /// its own level. Without this call the hot path pays nothing for
    /// watermarks.
    ///
    /// `low < high <= capacity` is checked by `build`, which returns
    /// [`BuildError::Config`] otherwise (never a panic).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{BuildError, Config, spsc::Builder};
    /// let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(3))
    ///     .watermarks(2, 6)
    ///     .build::<u32>()?;
    /// assert_eq!(tx.send_slice(&[1, 2, 3, 4, 5, 6]), 6);
    /// assert!(tx.above_high_watermark());
    /// assert_eq!(rx.fill(), 0.75);
    /// for _ in 0..4 {
    ///     rx.try_recv().unwrap();
    /// }
    /// assert!(!rx.above_high_watermark()); // fell to 2
    /// let bad = Builder::new(Config::default().with_ring_bits(3)).watermarks(2, 9);
    /// assert!(matches!(bad.build::<u32>(), Err(BuildError::Config(_))));
    /// # Ok::<(), BuildError>(())
    /// ```
    pub fn watermarks(mut self, low: usize, high: usize) -> Self {
        self.watermarks = Some(Watermarks::new(low, high));
        self
    }

    /// The configuration the channel will be built with.
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::Builder};
    /// assert_eq!(Builder::new(Config::default().with_ring_bits(3)).config().capacity(), 8);
    /// ```
    pub fn config(&self) -> Config {
        self.config
    }

    /// Sets the family's own options, for a family defined outside this
    /// crate that has some (broadcast's overflow policy:
    /// `broadcast::Builder::new(config).options(Overflow::Overwrite)` in
    /// ring-channels).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::{Builder, Spsc}};
    /// let (mut tx, mut rx) = Builder::new(Config::default()).options(Spsc::default()).build::<u8>()?;
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// # Ok::<(), ring_core::spsc::BuildError>(())
    /// ```
    pub fn options(mut self, options: impl Into<F>) -> Self {
        self.family = options.into();
        self
    }

    /// The family's own options (for the family's inherent builder methods).
    pub(crate) fn family_mut(&mut self) -> &mut F {
        &mut self.family
    }

    /// Builds the channel.
    ///
    /// # Errors
    ///
    /// [`BuildError::CapacityOverflow`] when the ring's byte size overflows
    /// for `T`; [`BuildError::Memory`] when the memory seam fails;
    /// [`BuildError::Config`] for impossible [`watermarks`](Self::watermarks).
    ///
    /// # Examples
    ///
    /// ```
    /// use ring_core::{Config, spsc::{BuildError, Builder}};
    /// assert!(Builder::new(Config::default()).build::<u64>().is_ok());
    /// let huge = Config::default().with_ring_bits(ring_core::MAX_RING_BITS);
    /// assert!(matches!(
    ///     Builder::new(huge).build::<[u8; 1 << 40]>(),
    ///     Err(BuildError::CapacityOverflow { .. })
    /// ));
    /// ```
    pub fn build<T>(self) -> Result<F::Channel<T, O>, BuildError>
    where
        F: BuildChannel<M>,
        O: Observer,
    {
        let watermarks = self.watermarks.transpose()?;
        self.family.build_channel(Parts {
            config: self.config,
            memory: self.memory,
            observer: self.observer,
            watermarks,
        })
    }
}

/// Builds a channel of family `F` on the global heap with no observer, as
/// every family's `channel` function does: infallible apart from allocation
/// failure, like `Vec` (see [`build_failed`]).
///
/// # Panics
///
/// If the ring's byte size overflows the address space for `T`.
///
/// # Examples
///
/// ```
/// use ring_core::{Config, builder, spsc::Spsc};
/// let (mut tx, mut rx) = builder::channel::<Spsc, u8>(Config::default());
/// tx.try_send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub fn channel<F: BuildChannel<Heap> + Default, T>(config: Config) -> F::Channel<T, ()> {
    Builder::<F>::new(config)
        .build::<T>()
        .unwrap_or_else(|e| build_failed(e))
}

/// What an infallible constructor (`channel`, a producer's `clone`) does
/// with a build error: allocation failure goes to
/// [`handle_alloc_error`](alloc::alloc::handle_alloc_error) (which aborts,
/// as for `Vec`), anything else panics with the error's message.
///
/// # Panics
///
/// Always (or aborts); it does not return.
///
/// # Examples
///
/// ```should_panic
/// use ring_core::spsc::BuildError;
/// ring_core::builder::build_failed(BuildError::CapacityOverflow { capacity: 8, elem_size: usize::MAX });
/// ```
pub fn build_failed(e: BuildError) -> ! {
    match e {
        BuildError::Memory(MemoryError::OutOfMemory { size }) => {
            let layout = core::alloc::Layout::from_size_align(size.max(1), 1)
                .unwrap_or(core::alloc::Layout::new::<u8>());
            alloc::alloc::handle_alloc_error(layout)
        }
        e => panic!("{e}"),
    }
}
