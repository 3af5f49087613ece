//! The bench's labs: deterministic keys, registered for the run by the demo genesis's two
//! regulators (a setup that is not measured), each with its own lab code and next nonce.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hengxin_api_types::{AccountView, TxState, TxStatus};
use hengxin_primitives::files::read_key_file;
use hengxin_primitives::records::{LabKind, ScopeEntry};
use hengxin_primitives::{Hash, Keypair, LabCode, RegionCode, Text, TxPayload, crypto};
use hengxin_runtime::{Call, Transaction, membership};
use parity_scale_codec::Encode;

use crate::http::{self, Answer};
use crate::network::{Network, check_interrupted};

/// A lab of the load: its code, its signing key and the nonce its next transaction carries.
pub struct Lab {
    /// Its lab code, `BENCH-K`.
    pub code: LabCode,
    /// Its only signing key.
    pub key: Keypair,
    /// Its account's next nonce.
    pub nonce: u64,
}

/// The demo genesis's regulators (key names in `DIR/keys/`) and their regions: lab k is
/// registered by the one at k % 2.
const REGULATORS: [(&str, &str); 2] = [("regulator-cq", "CQ"), ("regulator-sc", "SC")];
/// What the bench's labs are accredited for: all of the sample anchor's category.
const SCOPE: &str = "MEC@2035-12-31";
/// Most registrations in one request.
const REGISTRATIONS_PER_REQUEST: usize = 500;
/// How long the registrations have to be finalized.
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Registers `count` new labs through node 0, waits until every registration is finalized,
/// and reads each lab's nonce.
pub fn register(agent: &ureq::Agent, network: &Network, count: usize) -> anyhow::Result<Vec<Lab>> {
    let url = &network.nodes[0].url;
    let mut regulators = Vec::new();
    for (name, region) in REGULATORS {
        let path = network.dir.join("keys").join(format!("{name}.key"));
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the regulator key {}", path.display()))?;
        let key = read_key_file(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let nonce = account(agent, url, &key)?.nonce;
        regulators.push((key, RegionCode::new(region)?, nonce));
    }
    // The labs' keys are of the chain's scheme, as its regulators' are.
    let scheme = regulators[0].0.scheme();
    let mut labs = (0..count)
        .map(|k| lab(scheme, k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let registrations: Vec<Transaction> = labs
        .iter()
        .enumerate()
        .map(|(k, lab)| {
            let (key, region, nonce) = &regulators[k % REGULATORS.len()];
            let nonce = nonce + (k / REGULATORS.len()) as u64;
            registration(network.genesis_hash, key, nonce, region, lab)
        })
        .collect::<anyhow::Result<_>>()?;
    let encoded: Vec<Vec<u8>> = registrations.iter().map(Encode::encode).collect();
    submit_all(agent, url, &encoded)?;
    let hashes = registrations.iter().map(Transaction::hash).collect();
    wait_finalized(agent, url, hashes)?;
    for lab in &mut labs {
        let account = account(agent, url, &lab.key)?;
        if account.lab_key_of() != Some(&lab.code) {
            bail!(
                "{} is not {}'s key after its registration",
                lab.key.public(),
                lab.code
            );
        }
        lab.nonce = account.nonce;
    }
    Ok(labs)
}

/// Lab `k`: code `BENCH-k`, its key of `scheme` from a seed that names it (the same every run).
fn lab(scheme: crypto::Scheme, k: usize) -> anyhow::Result<Lab> {
    let seed = crypto::tagged_hash(b"hengxin/bench-lab/v1/", &(k as u64).to_le_bytes());
    let key = Keypair::from_secret(scheme, &seed.0)
        .with_context(|| format!("lab {k}'s seed is no {scheme} secret"))?;
    Ok(Lab {
        code: LabCode::new(&format!("BENCH-{k}"))?,
        key,
        nonce: 0,
    })
}

/// `regulator` registers `lab` in `region` with its key, accredited for [`SCOPE`].
fn registration(
    genesis: Hash,
    regulator: &Keypair,
    nonce: u64,
    region: &RegionCode,
    lab: &Lab,
) -> anyhow::Result<Transaction> {
    let scope = ScopeEntry::parse(SCOPE).map_err(anyhow::Error::msg)?;
    let call = membership::Call::RegisterLab {
        code: lab.code.clone(),
        name: Text::new(&format!("基准实验室 {}", lab.code))?,
        region: region.clone(),
        kind: LabKind::StatutoryVerification,
        scope: vec![scope],
        key: lab.key.public(),
    };
    Ok(TxPayload {
        genesis_hash: genesis,
        signer: regulator.public(),
        nonce,
        valid_until_height: u64::MAX,
        call: Call::Membership(call),
    }
    .sign(regulator))
}

/// An account's standing at node `url`.
fn account(agent: &ureq::Agent, url: &str, key: &Keypair) -> anyhow::Result<AccountView> {
    http::get(
        agent,
        &format!("{url}/v1/accounts/{}", key.public().to_hex()),
    )
}

/// Submits every transaction of `txs` to `url`, retrying those the node cannot take yet; any
/// other refusal is an error.
fn submit_all(agent: &ureq::Agent, url: &str, txs: &[Vec<u8>]) -> anyhow::Result<()> {
    let mut pending: Vec<&[u8]> = txs.iter().map(Vec::as_slice).collect();
    while !pending.is_empty() {
        check_interrupted()?;
        let mut retry = Vec::new();
        for chunk in pending.chunks(REGISTRATIONS_PER_REQUEST) {
            for (tx, answer) in chunk.iter().zip(http::submit(agent, url, chunk, true)?) {
                match answer {
                    Answer::Accepted => {}
                    Answer::Retry => retry.push(*tx),
                    Answer::Refused(code) => bail!("the node refused a lab registration: {code}"),
                }
            }
        }
        if !retry.is_empty() {
            std::thread::sleep(Duration::from_millis(50));
        }
        pending = retry;
    }
    Ok(())
}

/// Waits until every transaction of `hashes` is finalized at `url`; one finalized as rejected
/// is an error.
fn wait_finalized(agent: &ureq::Agent, url: &str, mut hashes: Vec<Hash>) -> anyhow::Result<()> {
    let deadline = Instant::now() + REGISTRATION_TIMEOUT;
    while let Some(hash) = hashes.last() {
        check_interrupted()?;
        let status = http::get::<TxStatus>(agent, &format!("{url}/v1/transactions/{hash}"));
        match status {
            Ok(TxStatus {
                status: TxState::Finalized,
                ..
            }) => {
                hashes.pop();
                continue;
            }
            Ok(TxStatus {
                status: TxState::Rejected,
                error,
                ..
            }) => bail!(
                "a lab registration was finalized as rejected: {}",
                error.map_or_else(|| "no reason given".into(), |e| e.message)
            ),
            _ if Instant::now() > deadline => bail!(
                "{} lab registrations were not finalized within {} s",
                hashes.len(),
                REGISTRATION_TIMEOUT.as_secs()
            ),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    Ok(())
}
