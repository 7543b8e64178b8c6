//! [`ShmSafe`]: the types that may travel through a ring in shared memory.

/// A type whose values may live in memory that another process can write.
///
/// The peer process may write any bytes into a slot at any time, so a value
/// read from a shared ring is whatever bits were there: `ShmSafe` promises
/// that every such value is still a valid `T`, and that it means the same in
/// both processes.
///
/// Implemented for `u8`..`u64`, `i8`..`i64`, `usize`, `isize`, `f32`, `f64`
/// and arrays of `ShmSafe` types. `usize`/`isize` have the same size in two
/// processes on one machine only when both are built for the same target;
/// the element size is checked on attach, so a mismatch is an error, not
/// garbage.
///
/// # Safety
///
/// An implementor guarantees that:
///
/// - the type is `#[repr(C)]` (or `#[repr(transparent)]` over a `ShmSafe`
///   type), or a primitive, so its layout is the same in every process built
///   for the target;
/// - **every bit pattern** of `size_of::<Self>()` bytes is a valid value:
///   no `bool`, `char`, enums, `NonZero*`, references or niches, and no
///   padding bytes (padding may be uninitialised when written and is then
///   read as part of a value);
/// - it holds no pointers, references or process-local handles (file
///   descriptors, addresses, indices into this process's tables): such a
///   value means nothing, or something dangerous, in the other process.
///
/// # Examples
///
/// ```
/// use ring_shm::ShmSafe;
///
/// /// A sample: two `u32` and a `f64`, no padding.
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// #[repr(C)]
/// struct Sample {
///     sensor: u32,
///     seq: u32,
///     value: f64,
/// }
///
/// // SAFETY: `#[repr(C)]`, fields are all `ShmSafe` primitives with no
/// // padding between them (4 + 4 + 8 bytes), no pointers or handles.
/// unsafe impl ShmSafe for Sample {}
///
/// fn assert_shm_safe<T: ShmSafe>() {}
/// assert_shm_safe::<Sample>();
/// assert_shm_safe::<[u64; 4]>();
/// ```
pub unsafe trait ShmSafe: Copy + 'static {}

macro_rules! shm_safe {
    ($($t:ty),* $(,)?) => {
        $(
            // SAFETY: a primitive number: every bit pattern is a valid value, no
            // padding, no pointers.
            unsafe impl ShmSafe for $t {}
        )*
    };
}

shm_safe!(
    u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, usize, isize, f32, f64
);

// SAFETY: an array of `ShmSafe` values has no padding between elements (the
// element size is a multiple of its alignment) and every bit pattern of each
// element is valid, so every bit pattern of the array is.
unsafe impl<T: ShmSafe, const N: usize> ShmSafe for [T; N] {}
