//! Property test: random operation sequences against a `VecDeque` model.
#![allow(clippy::disallowed_types)] // reason: proptest macros expand to std::sync::Arc; test scaffolding only
#![cfg(not(ring_loom))]

use std::collections::VecDeque;

use proptest::prelude::*;
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
}
