//! Workspace-level scenario tests (multi-node clusters, faults, browser end-to-end) live here once
//! the node exists; the runtime's own scenario tests are in `pallets/runtime/tests`.
