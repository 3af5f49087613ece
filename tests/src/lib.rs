//! Workspace-level scenario tests: networks of real `hengxin-node` processes on loopback, with
//! faults (`kill -9`, strangers, hostile input). They are in `tests/it`; the runtime's own
//! scenarios are in `pallets/runtime/tests` and the in-process node scenarios in `node/tests`.
