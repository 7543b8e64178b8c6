//! Benchmarks of the ringmpsc workspace (see BENCHMARKS.md).
