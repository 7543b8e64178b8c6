//! The conformance suite with async ends (`AsyncRecvExt`, `AsyncSendExt`),
//! instantiated for every channel family: sync→async, async→sync and
//! async→async transfers, wake-ups by commit, freed room and every close
//! route, the waker of the latest poll, and cancellation.
#![cfg(feature = "async")]
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

mod spsc {
    use ringmpsc::prelude::*;
    ringmpsc_testkit::conformance_async!(ringmpsc::spsc);
}

mod mpsc {
    use ringmpsc::prelude::*;
    ringmpsc_testkit::conformance_async!(ringmpsc::mpsc);
}

mod spmc {
    use ringmpsc::prelude::*;
    ringmpsc_testkit::conformance_async!(ringmpsc::spmc);
    ringmpsc_testkit::conformance_async_clone_consumer!(ringmpsc::spmc);
}

mod mpmc {
    use ringmpsc::prelude::*;
    ringmpsc_testkit::conformance_async!(ringmpsc::mpmc);
    ringmpsc_testkit::conformance_async_clone_consumer!(ringmpsc::mpmc);
}
