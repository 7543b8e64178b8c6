//! The pieces every family module repeats, written once: its public
//! plumbing around the one builder, and the handles' `Debug`, `Clone` and
//! forwarding methods.

/// The public items every builder family has, around the one
/// [`Builder`](ring_core::builder::Builder): the family's marker type, the
/// `Builder` alias, the `Channel` pair, `channel` (on the heap) and, when
/// given, `try_channel`; each with the docs given before its keyword.
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
/// }
/// ```
macro_rules! family {
    (
        $(#[$family_doc:meta])* family $family:ident;
        $(#[$builder_doc:meta])* Builder;
        $(#[$channel_ty_doc:meta])* Channel = ($tx:ident, $rx:ident);
        $(#[$channel_doc:meta])* channel;
        $($(#[$try_doc:meta])* try_channel;)?
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
