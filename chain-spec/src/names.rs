//! The demo's names: its keys (derived from their names, so every dev chain has the same
//! ones), its businesses, its sample certificates and its agreement. The consortium rules (to
//! refuse a demo key) and the demo's sample data both read them; this module reads neither.

use hengxin_primitives::crypto::{self, Keypair, Scheme};

/// The demo keys written to `DIR/keys/<name>.key`.
pub const KEY_NAMES: [&str; 8] = [
    "regulator-cq",
    "regulator-sc",
    "lab-cq",
    "lab-sc",
    "inspector-cq",
    "inspector-sc",
    "business-cq",
    "business-sc",
];
/// 渝中示范加油站: region CQ, a gas station with a current self-commitment.
pub const BUSINESS_CQ: &str = "91500103MA60K7LX03";
/// 锦江农贸市场: region SC, a market.
pub const BUSINESS_SC: &str = "91510104MA6CJ2Q4R3";
/// A current verification certificate of CQJL, traced through SCJL to an NMI certificate.
pub const CERT_VALID: &str = "CQJL-2026-JD-0001";
/// A revoked verification certificate of CQJL.
pub const CERT_REVOKED: &str = "CQJL-2026-JD-0002";
/// A failed-verification notice of CQJL.
pub const CERT_NOTICE: &str = "CQJL-2026-TZ-0001";
/// SCJL's calibration certificate of CQJL's working standard.
pub const CERT_SCJL_CALIBRATION: &str = "SCJL-2026-JZ-0001";

/// The id of the demo's 川渝 agreement.
pub const CHUANYU_AGREEMENT: u64 = 1;

/// The demo key called `name` (one of [`KEY_NAMES`], or `validator-N`), ed25519.
pub fn key(name: &str) -> Keypair {
    key_of(Scheme::Ed25519Sha256, name)
}

/// The demo key of `scheme` called `name`: its secret is the SHA-256 of a tag and the name (an
/// SM2 secret outside [1, n − 2], which a hash almost never is, takes the hash of that hash).
pub fn key_of(scheme: Scheme, name: &str) -> Keypair {
    let mut secret = crypto::tagged_hash(b"hengxin/demo-key/v1/", name.as_bytes());
    loop {
        if let Some(key) = Keypair::from_secret(scheme, &secret.0) {
            return key;
        }
        secret = crypto::sha256(&secret.0);
    }
}

/// 渝中示范加油站's 1号枪 of 加油岛 1: verified a month before genesis, 合格.
pub const INSTRUMENT_VALID: &str = "CQ-1";
/// Its 2号枪: its 有效期至 within the warning window at genesis, 临期.
pub const INSTRUMENT_DUE_SOON: &str = "CQ-2";
/// 加油岛 2's 1号枪: past its 有效期至, 超期.
pub const INSTRUMENT_OVERDUE: &str = "CQ-3";
/// 加油岛 2's 2号枪: its latest verification failed, 不合格.
pub const INSTRUMENT_FAILED: &str = "CQ-4";
/// The station's charging post: registered, never verified, 待检.
pub const INSTRUMENT_UNVERIFIED: &str = "CQ-5";
/// An old nozzle, retired at genesis, 已报废.
pub const INSTRUMENT_RETIRED: &str = "CQ-6";
/// 锦江农贸市场's scale at stall 3: 合格.
pub const INSTRUMENT_SCALE_VALID: &str = "SC-1";
/// Its scale at stall 7: repaired after its verification, 待检.
pub const INSTRUMENT_SCALE_REPAIRED: &str = "SC-2";
