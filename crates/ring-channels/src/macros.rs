//! The pieces every family module repeats, written once: its public
//! plumbing around the one builder, and the handles' `Debug`, `Clone` and
//! forwarding methods.

/// The public items every builder family has, around the one
/// [`Builder`](ring_core::builder::Builder): the family's marker type, the
/// `Builder` alias, the `Channel` pair, `channel` (on the heap), when
/// given, `try_channel`, each with the docs given before its keyword; and
/// the family's `BuildChannel` impl for memory seams `M` with the bounds
/// given, `build_channel` being the block given over the `Parts` named.
///
/// ```text
/// family! {
///     /// Docs of the marker type.
///     family Mpmc;
///     /// Docs of `Builder`.
///     Builder;
///     /// Docs of `Channel`.
///     Channel = (Producer, Consumer);
///     /// Docs of `channel`.
///     channel;
///     /// Docs of `try_channel`.
///     try_channel;
///     build_channel[M: RingMemory + Clone] |p| { ... }
/// }
/// ```
macro_rules! family {
    (
        $(#[$family_doc:meta])* family $family:ident;
        $(#[$builder_doc:meta])* Builder;
        $(#[$channel_ty_doc:meta])* Channel = ($tx:ident, $rx:ident);
        $(#[$channel_doc:meta])* channel;
        $($(#[$try_doc:meta])* try_channel;)?
        build_channel[$($bound:tt)*] |$p:ident| $build:block
    ) => {
        $(#[$family_doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $family;

        $(#[$builder_doc])*
        pub type Builder<M = ring_core::Heap, O = ()> = ring_core::builder::Builder<$family, M, O>;

        $(#[$channel_ty_doc])*
        pub type Channel<T, O = ()> = ($tx<T, O>, $rx<T, O>);

        $(#[$channel_doc])*
        pub fn channel<T>(config: ring_core::Config) -> ($tx<T>, $rx<T>) {
            ring_core::builder::channel::<$family, T>(config)
        }

        $(
            $(#[$try_doc])*
            pub fn try_channel<T>(
                config: ring_core::Config,
            ) -> Result<($tx<T>, $rx<T>), ring_core::spsc::BuildError> {
                Builder::new(config).build()
            }
        )?

        impl<$($bound)*> ring_core::builder::BuildChannel<M> for $family {
            type Channel<T, O: ring_core::Observer> = Channel<T, O>;

            fn build_channel<T, O: ring_core::Observer>(
                self,
                $p: ring_core::builder::Parts<M, O>,
            ) -> Result<Channel<T, O>, ring_core::spsc::BuildError> $build
        }
    };
}

/// Implements `Debug` for a handle as its type's name and one telling
/// value, the rest left out (`mpmc::Consumer { id: 0, .. }`):
/// `debug_handle!(impl[T, O: Observer] Consumer<T, O>, "mpmc::Consumer", id = |c| c.id);`
macro_rules! debug_handle {
    (impl[$($g:tt)*] $ty:ty, $name:literal, $field:ident = |$h:ident| $value:expr) => {
        impl<$($g)*> core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                let $h = self;
                f.debug_struct($name)
                    .field(stringify!($field), &$value)
                    .finish_non_exhaustive()
            }
        }
    };
}

/// Implements `Clone` for a handle as its `try_clone`, with `on_err` (given
/// as `|e| ..`, diverging) for a clone that cannot be made; the docs given
/// are `clone`'s.
macro_rules! clone_by_try_clone {
    ($(#[$doc:meta])* impl[$($g:tt)*] $ty:ty, |$e:ident| $on_err:expr) => {
        impl<$($g)*> Clone for $ty {
            $(#[$doc])*
            fn clone(&self) -> Self {
                match self.try_clone() {
                    Ok(c) => c,
                    Err($e) => $on_err,
                }
            }
        }
    };
}

/// Public methods that only call the method of the same name on a field
/// (`self.ring.fill()`), each with the docs and attributes given:
/// `forward! { ring => /** Docs. */ fn fill(&self) -> f64; }`.
macro_rules! forward {
    ($($field:ident).+ =>) => {};
    ($($field:ident).+ => $(#[$attr:meta])* fn $name:ident(&self) -> $ret:ty; $($rest:tt)*) => {
        $(#[$attr])*
        pub fn $name(&self) -> $ret {
            self.$($field).+.$name()
        }
        forward! { $($field).+ => $($rest)* }
    };
}

/// The ring-state methods every handle has, forwarded to a field, with one
/// text and one example per method for every family; the example builds the
/// family's channel as `(tx, rx)`, sends one item with the expression given
/// and receives one with `rx.try_recv()`, and asks the handle named:
///
/// ```text
/// ring_status! { ring => tx of "mpsc", ring "this producer's ring" in slots,
///     send "tx.try_send(1).unwrap()"; fill above_high_watermark capacity }
/// ```
///
/// A consumer of many rings names them `rings "producer"`: `fill` is the
/// fullest one's, `above_high_watermark` any one's. In `bytes`, one item
/// (a record of up to 8 bytes) takes 16 bytes.
macro_rules! ring_status {
    ($($f:ident).+ => $h:ident of $fam:literal, ring $ring:literal in $unit:ident,
        send $send:literal; $($m:ident)*) => {
        ring_status! { @each [$($f).+] [$h $fam [$ring, $ring, $ring] $unit $send] $($m)* }
    };
    ($($f:ident).+ => $h:ident of $fam:literal, rings $who:literal in $unit:ident,
        send $send:literal; $($m:ident)*) => {
        ring_status! {
            @each [$($f).+]
            [$h $fam [concat!("the fullest ", $who, " ring"), concat!("any ", $who, " ring"),
                concat!("each ", $who, " ring")] $unit $send]
            $($m)*
        }
    };
    (@each $f:tt $c:tt $($m:ident)*) => {
        $(ring_status! { @$m $f $c })*
    };
    // One item: its size in the unit, and the ring bits for four of them.
    (@one slots) => { 1 };
    (@one bytes) => { 16 };
    (@four slots) => { 2 };
    (@four bytes) => { 6 };
    (@fill $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] $unit:ident $send:literal]) => {
        ring_status! { @fwd $f $fam fill -> f64, [], ring_status!(@four $unit), "",
            concat!("How full ", $fullest, " is: its ", stringify!($unit),
                " in use over its capacity, in `0.0..=1.0`."),
            [concat!($send, ";"), concat!("assert_eq!(", stringify!($h), ".fill(), 0.25);")] }
    };
    (@above_high_watermark $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] $unit:ident $send:literal]) => {
        ring_status! { @fwd $f $fam above_high_watermark -> bool, [], ring_status!(@four $unit),
            concat!(".watermarks(0, ", ring_status!(@one $unit), ")"),
            concat!("True while ", $any, " is above its high watermark: from the send that ",
                "leaves it at or above that mark until receives take it down to the low one ",
                "(always false without [`watermarks`](ring_core::builder::Builder::watermarks))."),
            [concat!("assert!(!", stringify!($h), ".above_high_watermark());"), concat!($send, ";"),
                concat!("assert!(", stringify!($h), ".above_high_watermark());"), "rx.try_recv().unwrap();",
                concat!("assert!(!", stringify!($h), ".above_high_watermark());")] }
    };
    (@capacity $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] $unit:ident $send:literal]) => {
        ring_status! { @fwd $f $fam capacity -> usize, [], 10, "",
            concat!("How many ", stringify!($unit), " ", $each, " has."),
            [concat!("assert_eq!(", stringify!($h), ".capacity(), 1024);")] }
    };
    (@len $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] slots $send:literal]) => {
        ring_status! { @fwd $f $fam len -> usize, [], 2, "", concat!("Items in ", $any, " now."),
            [concat!($send, ";"), concat!($send, ";"), concat!("assert_eq!(", stringify!($h), ".len(), 2);")] }
    };
    (@is_empty $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] slots $send:literal]) => {
        ring_status! { @fwd $f $fam is_empty -> bool, [], 2, "", concat!("True if ", $any, " holds no item now."),
            [concat!("assert!(", stringify!($h), ".is_empty());"), concat!($send, ";"),
                concat!("assert!(!", stringify!($h), ".is_empty());"), "rx.try_recv().unwrap();",
                concat!("assert!(", stringify!($h), ".is_empty());")] }
    };
    (@is_full $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] slots $send:literal]) => {
        ring_status! { @fwd $f $fam is_full -> bool, [], 1, "", concat!("True if ", $any, " is full now."),
            [concat!($send, ";"), concat!("assert!(!", stringify!($h), ".is_full());"), concat!($send, ";"),
                concat!("assert!(", stringify!($h), ".is_full());")] }
    };
    (@available $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] slots $send:literal]) => {
        ring_status! { @fwd $f $fam available -> usize, [], 2, "", concat!("Free slots in ", $any, " now."),
            [concat!($send, ";"), concat!("assert_eq!(", stringify!($h), ".available(), 3);"), "rx.try_recv().unwrap();",
                concat!("assert_eq!(", stringify!($h), ".available(), 4);")] }
    };
    (@observer $f:tt [$h:ident $fam:literal [$fullest:expr, $any:expr, $each:expr] $unit:ident $send:literal]) => {
        ring_status! { @fwd $f $fam observer -> &O,
            ["#[derive(Clone, Debug, PartialEq)]", "struct Tag(&'static str);",
                "impl ring_core::Observer for Tag {}", ""],
            10, ".observer(Tag(\"orders\"))",
            "The observer given to the builder, which this handle reports to.",
            [concat!("assert_eq!(", stringify!($h), ".observer(), &Tag(\"orders\"));")] }
    };
    // One method: its name and type, the example's lines before the channel
    // is built, the ring bits, the builder's options, the text, and the
    // example's lines after.
    (@fwd [$($f:tt)*] $fam:literal $name:ident -> $ret:ty, [$($pre:expr),*], $bits:expr, $opts:expr, $text:expr, [$($line:expr),*]) => {
        forward! { $($f)* =>
            #[doc = $text]
            #[doc = ""]
            #[doc = "# Examples"]
            #[doc = ""]
            #[doc = "```"]
            #[doc = "use ring_core::Config;"]
            $(#[doc = $pre])*
            #[doc = concat!("let (mut tx, mut rx) = ring_channels::", $fam,
                "::Builder::new(Config::default().with_ring_bits(", $bits, "))", $opts,
                ".build::<u8>()?;")]
            $(#[doc = $line])*
            #[doc = "# Ok::<(), ring_core::spsc::BuildError>(())"]
            #[doc = "```"]
            fn $name(&self) -> $ret;
        }
    };
}

/// `closer`, with the docs given: a [`Closer`](ring_core::wait::Closer)
/// that closes the channel through a clone of the field named (the channel's
/// shared part), from any thread: `closer! { /** Docs. */ chan }`.
macro_rules! closer {
    ($(#[$doc:meta])* $($f:ident).+) => {
        $(#[$doc])*
        pub fn closer(&self) -> ring_core::wait::Closer
        where
            T: Send + 'static,
        {
            let shared = self.$($f).+.clone();
            ring_core::wait::Closer::new(move || shared.close())
        }
    };
}

/// A consumer handle the channel's lifecycle counts: `Clone` adds a consumer
/// (as `try_clone`, which the type has), and dropping the last consumer
/// closes the channel and drops what is still in its ring or rings, through
/// the lifecycle and the shared part given:
/// `counted_consumer!(impl[T, O: Observer] Consumer<T, O>, "mpmc::Consumer", |c| c.chan.life, c.chan);`
macro_rules! counted_consumer {
    (impl[$($g:tt)*] $ty:ty, $name:literal, |$c:ident| $life:expr, $shared:expr) => {
        clone_by_try_clone! {
            /// Adds a consumer.
            ///
            /// # Panics
            ///
            /// If the channel already has `max_consumers` consumers (a bound fixed in
            /// the [`Config`](ring_core::Config)); use [`try_clone`](Self::try_clone)
            /// when the count comes from outside.
            impl[$($g)*] $ty, |e| panic!(concat!($name, "::clone: {}"), e)
        }

        impl<$($g)*> Drop for $ty {
            fn drop(&mut self) {
                let $c = self;
                // The last consumer closes the channel and drops what is
                // still in its ring or rings, now (producers may live on
                // for long).
                if $life.drop_consumer() {
                    $shared.close();
                    $shared.drop_pending();
                }
            }
        }
    };
}

/// `reserve_with`, over the handle's own `reserve`: waits per `strategy`
/// while `full` (given as `|p| ..` over the handle) says there is no room,
/// then reserves; the example sends through the family's `channel`:
/// `reserve_with!("mpsc", |p| p.ring.is_full());`
macro_rules! reserve_with {
    ($fam:literal, |$p:ident| $full:expr) => {
        /// Reserves up to `n` contiguous slots, waiting per `strategy` until at
        /// least one is free.
        ///
        /// # Errors
        ///
        /// `Closed(())`; `Timeout(())` only under `TimedBlocking`.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let (mut tx, mut rx) = ring_channels::", $fam,
                                            "::channel::<u8>(ring_core::Config::default());")]
        /// let r = tx.reserve_with(2, ring_core::WaitStrategy::Blocking).unwrap();
        /// assert_eq!(r.copy_from_slice(&[7, 8]), 2);
        /// assert_eq!(rx.try_recv(), Ok(7));
        /// ```
        pub fn reserve_with(
            &mut self,
            n: usize,
            strategy: WaitStrategy,
        ) -> Result<Reservation<'_, T, O>, SendTimeoutError<()>> {
            ring_core::endpoint::wait_for_room(self, strategy, |$p| $full)?;
            // Room only grows while we hold `&mut self`; `None` here is a close.
            self.reserve(n.max(1)).ok_or(SendTimeoutError::Closed(()))
        }
    };
}
