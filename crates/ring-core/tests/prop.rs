//! Property tests: random operation sequences against a `VecDeque` model
//! (the SPSC ring; the byte-record framing against a `VecDeque<Vec<u8>>`
//! of records plus its own count of the ring bytes each takes: header,
//! 8-byte alignment, padding at the wrap, so it predicts exactly when the
//! ring is full).
#![allow(clippy::disallowed_types)] // reason: proptest macros expand to std::sync::Arc; test scaffolding only
#![cfg(not(ring_loom))]

use std::collections::VecDeque;

use proptest::prelude::*;
use ring_core::bytes::{self, ByteWriter};
use ring_core::spsc::Builder;
use ring_core::{Config, TryRecvError, TrySendError};

#[derive(Debug, Clone)]
enum Op {
    Send(u32),
    SendSlice(Vec<u32>),
    Reserve { want: usize, fill: usize },
    Recv,
    RecvSlice(usize),
    RecvMany(usize),
    ConsumeUpTo(usize),
    Skip(usize),
    Peek(usize),
    Advance(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u32>().prop_map(Op::Send),
        prop::collection::vec(any::<u32>(), 0..12).prop_map(Op::SendSlice),
        (0usize..12, 0usize..12).prop_map(|(want, fill)| Op::Reserve { want, fill }),
        Just(Op::Recv),
        (0usize..12).prop_map(Op::RecvSlice),
        (0usize..12).prop_map(Op::RecvMany),
        (0usize..12).prop_map(Op::ConsumeUpTo),
        (0usize..12).prop_map(Op::Skip),
        (0usize..12).prop_map(Op::Peek),
        (0usize..12).prop_map(Op::Advance),
    ]
}

/// An operation on a byte ring (random lengths, `commit_len`, dropped grants).
#[derive(Debug, Clone)]
enum ByteOp {
    /// Reserve `len`, write, then publish `commit` bytes (`None`: drop the grant).
    Reserve {
        len: usize,
        commit: Option<usize>,
    },
    Send(usize),
    Recv,
    RecvInto,
    ConsumeUpTo(usize),
}

fn byte_op() -> impl Strategy<Value = ByteOp> {
    prop_oneof![
        (0usize..40, prop::option::of(0usize..40)).prop_map(|(len, commit)| ByteOp::Reserve {
            len,
            commit: commit.map(|c| c.min(len))
        }),
        (0usize..40).prop_map(ByteOp::Send),
        Just(ByteOp::Recv),
        Just(ByteOp::RecvInto),
        (0usize..5).prop_map(ByteOp::ConsumeUpTo),
    ]
}

/// The model: records waiting, each with the ring bytes it takes.
struct ByteModel {
    cap: u64,
    head: u64,
    tail: u64,
    records: VecDeque<(Vec<u8>, u64)>,
}

impl ByteModel {
    fn frame(len: usize) -> u64 {
        8 + (len as u64).div_ceil(8) * 8
    }

    /// Ring bytes a record of `len` takes at the tail now (padding included).
    fn need(&self, len: usize) -> u64 {
        let to_end = self.cap - self.tail % self.cap;
        let f = Self::frame(len);
        if f <= to_end { f } else { to_end + f }
    }

    fn fits(&self, len: usize) -> bool {
        self.need(len) <= self.cap - (self.tail - self.head)
    }

    fn push(&mut self, planned: usize, rec: Vec<u8>) {
        let pad = self.need(planned) - Self::frame(planned);
        let took = pad + Self::frame(rec.len());
        self.tail += took;
        self.records.push_back((rec, took));
    }

    fn pop(&mut self) -> Option<Vec<u8>> {
        let (rec, took) = self.records.pop_front()?;
        self.head += took;
        Some(rec)
    }
}

fn bytes_for(seed: usize, len: usize) -> Vec<u8> {
    (0..len).map(|i| (seed * 13 + i) as u8).collect()
}

proptest! {
    // Under miri: few cases, and no failure file (it needs the working directory,
    // which miri's isolation hides).
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: if cfg!(miri) { None } else { ProptestConfig::default().failure_persistence },
        ..ProptestConfig::default()
    })]

    #[test]
    fn ring_matches_vecdeque(bits in 1u32..4, start in prop_oneof![Just(0u64), Just(u64::MAX - 7), any::<u64>()], ops in prop::collection::vec(op(), 1..120)) {
        let (mut tx, mut rx) = Builder::new(Config::default().with_ring_bits(bits)).start_position(start).build::<u32>().unwrap();
        let cap = 1usize << bits;
        let mut model: VecDeque<u32> = VecDeque::new();
        for op in ops {
            match op {
                Op::Send(v) => match tx.try_send(v) {
                    Ok(()) => { prop_assert!(model.len() < cap); model.push_back(v) }
                    Err(TrySendError::Full(x)) => { prop_assert_eq!(x, v); prop_assert_eq!(model.len(), cap) }
                    Err(TrySendError::Closed(_)) => prop_assert!(false, "closed"),
                },
                Op::SendSlice(items) => {
                    let n = tx.send_slice(&items);
                    prop_assert_eq!(n, items.len().min(cap - model.len()));
                    model.extend(&items[..n]);
                }
                Op::Reserve { want, fill } => {
                    let free = cap - model.len();
                    match tx.reserve(want) {
                        Some(r) => {
                            prop_assert!(!r.is_empty() && r.len() <= want.min(free));
                            let n = fill.min(r.len());
                            let vals: Vec<u32> = (0..n as u32).collect();
                            prop_assert_eq!(r.copy_from_slice(&vals), n);
                            model.extend(vals);
                        }
                        None => prop_assert!(want == 0 || free == 0),
                    }
                }
                Op::Recv => match rx.try_recv() {
                    Ok(v) => prop_assert_eq!(Some(v), model.pop_front()),
                    Err(TryRecvError::Empty) => prop_assert!(model.is_empty()),
                    Err(TryRecvError::Closed) => prop_assert!(false, "closed"),
                },
                Op::RecvSlice(k) => {
                    let mut out = vec![0; k];
                    let n = rx.recv_slice(&mut out);
                    prop_assert_eq!(n, k.min(model.len()));
                    let expect: Vec<u32> = model.drain(..n).collect();
                    prop_assert_eq!(&out[..n], &expect[..]);
                }
                Op::RecvMany(k) => {
                    let mut out = Vec::new();
                    let n = rx.recv_many(&mut out, k);
                    let expect: Vec<u32> = model.drain(..k.min(model.len())).collect();
                    prop_assert_eq!(n, expect.len());
                    prop_assert_eq!(out, expect);
                }
                Op::ConsumeUpTo(k) => {
                    let mut out = Vec::new();
                    let n = rx.consume_up_to(k, |x| out.push(*x));
                    let expect: Vec<u32> = model.drain(..k.min(model.len())).collect();
                    prop_assert_eq!(n, expect.len());
                    prop_assert_eq!(out, expect);
                }
                Op::Skip(k) => {
                    let n = rx.skip(k);
                    prop_assert_eq!(n, k.min(model.len()));
                    model.drain(..n);
                }
                Op::Peek(k) => {
                    let seen = rx.peek_many(k).to_vec();
                    prop_assert!(seen.len() <= k.min(model.len()));
                    prop_assert!(!model.is_empty() && k > 0 || seen.is_empty());
                    prop_assert_eq!(&seen[..], &model.iter().copied().take(seen.len()).collect::<Vec<_>>()[..]);
                    prop_assert_eq!(rx.peek().copied(), model.front().copied());
                }
                Op::Advance(k) => {
                    let k = k.min(model.len());
                    rx.advance(k);
                    model.drain(..k);
                }
            }
            prop_assert_eq!(rx.len(), model.len());
            prop_assert_eq!(tx.len(), model.len());
            prop_assert_eq!(tx.available(), cap - model.len());
        }
    }

    #[test]
    fn byte_ring_matches_a_vecdeque_of_records(
        bits in 5u32..8,
        start in prop_oneof![Just(0u64), Just(u64::MAX - 63), (0u64..1 << 20).prop_map(|s| s * 8)],
        ops in prop::collection::vec(byte_op(), 1..150),
    ) {
        let (tx, mut rx) = Builder::new(Config::default().with_ring_bits(bits))
            .start_position(start)
            .build::<u8>()
            .unwrap();
        let mut w = ByteWriter::new(tx);
        let cap = 1usize << bits;
        let max = w.max_record();
        prop_assert!(max >= cap / 4);
        // Positions from `start`'s place in the ring (the model does not wrap `u64`).
        let at = start % cap as u64;
        let mut m = ByteModel { cap: cap as u64, head: at, tail: at, records: VecDeque::new() };
        let mut buf = Vec::new();
        for (k, op) in ops.into_iter().enumerate() {
            match op {
                ByteOp::Reserve { len, commit } => match w.try_reserve(len) {
                    Ok(mut g) => {
                        prop_assert!(len <= max && m.fits(len));
                        prop_assert_eq!(g.len(), len);
                        let data = bytes_for(k, len);
                        g.copy_from_slice(&data);
                        if let Some(n) = commit {
                            g.commit_len(n);
                            m.push(len, data[..n].to_vec());
                        }
                    }
                    Err(bytes::TrySendError::TooLarge { len: l, max: mx }) => {
                        prop_assert_eq!((l, mx), (len, max));
                        prop_assert!(len > max);
                    }
                    Err(bytes::TrySendError::Full) => prop_assert!(len <= max && !m.fits(len)),
                    Err(bytes::TrySendError::Closed) => prop_assert!(false, "closed"),
                },
                ByteOp::Send(len) => {
                    let data = bytes_for(k, len);
                    match w.try_send(&data) {
                        Ok(()) => {
                            prop_assert!(m.fits(len));
                            m.push(len, data);
                        }
                        Err(bytes::TrySendError::TooLarge { .. }) => prop_assert!(len > max),
                        Err(bytes::TrySendError::Full) => prop_assert!(len <= max && !m.fits(len)),
                        Err(bytes::TrySendError::Closed) => prop_assert!(false, "closed"),
                    }
                }
                ByteOp::Recv => match bytes::try_recv(&mut rx) {
                    Ok(r) => prop_assert_eq!(Some(r.to_vec()), m.pop()),
                    Err(TryRecvError::Empty) => prop_assert!(m.records.is_empty()),
                    Err(TryRecvError::Closed) => prop_assert!(false, "closed"),
                },
                ByteOp::RecvInto => match bytes::try_recv(&mut rx) {
                    Ok(r) => {
                        buf.clear();
                        buf.extend_from_slice(&r);
                        drop(r);
                        prop_assert_eq!(Some(buf.clone()), m.pop());
                    }
                    Err(_) => prop_assert!(m.records.is_empty()),
                },
                ByteOp::ConsumeUpTo(n) => {
                    let mut got = Vec::new();
                    let c = bytes::consume_up_to(&mut rx, n, |r| got.push(r.to_vec()));
                    prop_assert_eq!(c, got.len());
                    prop_assert_eq!(c, n.min(m.records.len()));
                    for r in got {
                        prop_assert_eq!(Some(r), m.pop());
                    }
                }
            }
            prop_assert_eq!(bytes::records(&rx), m.records.len());
            prop_assert_eq!(w.bytes_used() as u64, m.tail - m.head);
            prop_assert!(w.bytes_used() <= cap);
        }
    }
}
