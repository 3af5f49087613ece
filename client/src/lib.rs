//! Client library for labs, regulators, inspectors and businesses: builds and signs
//! transactions and verifies proof bundles natively. The HTTP client and the `hengxin` CLI come
//! with the client issue, once the node serves its API.

pub use hengxin_primitives as primitives;
