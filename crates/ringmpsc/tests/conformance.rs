//! The conformance suite (the test kit's macros) instantiated for every
//! channel family. A new family is not done until it passes here.
#![allow(clippy::disallowed_types)] // reason: the suite counts drops with std atomics; no protocol runs under loom here

mod spsc {
    ringmpsc_testkit::conformance_core!(ringmpsc::spsc);
    ringmpsc_testkit::conformance_single_consumer!(ringmpsc::spsc);
}

mod mpsc {
    ringmpsc_testkit::conformance_core!(ringmpsc::mpsc);
    ringmpsc_testkit::conformance_single_consumer!(ringmpsc::mpsc);
    ringmpsc_testkit::conformance_clone_producer!(ringmpsc::mpsc, single_consumer);
}

mod spmc {
    ringmpsc_testkit::conformance_core!(ringmpsc::spmc);
    ringmpsc_testkit::conformance_clone_consumer!(ringmpsc::spmc);
}

mod mpmc {
    ringmpsc_testkit::conformance_core!(ringmpsc::mpmc);
    ringmpsc_testkit::conformance_clone_producer!(ringmpsc::mpmc);
    ringmpsc_testkit::conformance_clone_consumer!(ringmpsc::mpmc);
}
