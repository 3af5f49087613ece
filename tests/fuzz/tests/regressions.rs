//! Every seed and every input the fuzzers once crashed on (`regressions/<target>/`), through
//! the same functions the fuzzers run: a defect fixed stays fixed.

use std::path::PathBuf;

use hengxin_node::consensus::codec::ScaleCodec;
use hengxin_node::consensus::context::{Address, Height};
use malachite_app_channel::app::engine::host::SyncedValueOutcome;
use malachite_app_channel::app::types::PeerId;
use malachite_app_channel::app::types::codec::Codec;
use malachite_app_channel::app::types::core::{Round, Validity};
use parity_scale_codec::Decode;

#[test]
fn the_seeds_run_clean_through_every_target() {
    let seeds = hengxin_fuzz::seeds::all();
    for (name, target) in hengxin_fuzz::TARGETS {
        let mine: Vec<_> = seeds.iter().filter(|(t, _, _)| *t == name).collect();
        assert!(!mine.is_empty(), "no seed for {name}");
        for (_, seed, bytes) in mine {
            eprintln!("{name}/{seed}");
            target(bytes);
        }
    }
}

#[test]
fn the_seeds_reach_the_paths_they_are_for() {
    let f = hengxin_fuzz::fixture();
    let seeds = hengxin_fuzz::seeds::all();
    let seed = |target: &str, name: &str| {
        seeds
            .iter()
            .find(|(t, n, _)| *t == target && n == name)
            .map(|(_, _, bytes)| bytes.clone())
            .unwrap()
    };
    // The first transaction is admissible, the bundles verify, the DCCs read.
    let tx = hengxin_runtime::decode_transaction(&seed("transaction", "tx-0")).unwrap();
    assert!(
        f.chain
            .check_transaction(&tx, f.head.height)
            .unwrap()
            .is_ok()
    );
    for bundle in ["certificate", "business", "validators"] {
        hengxin_verifier::verify(&f.anchor, &seed("bundle", bundle)).unwrap();
    }
    hengxin_client::dcc::read(&seed("dcc", "dcc_gp_temperature_typical_v12")).unwrap();
    // The block and the proposal's parts are valid for the next height.
    let mut app = f.app();
    let height = Height(f.head.height + 1);
    let proposer = Address(f.validator.public());
    let outcome = app.synced_value(height, Round::new(0), proposer, &seed("block", "height-2"));
    assert!(
        matches!(&outcome, SyncedValueOutcome::Verdict(v) if v.validity == Validity::Valid),
        "{outcome:?}"
    );
    let messages = Vec::<Vec<u8>>::decode(&mut &seed("proposal_parts", "height-2")[..]).unwrap();
    let publisher = PeerId::from_bytes(&[0, 4, 1, 2, 3, 4]).unwrap();
    let mut value = None;
    for message in messages {
        value = app
            .receive_part(publisher, ScaleCodec.decode(message.into()).unwrap())
            .unwrap();
    }
    assert_eq!(value.map(|v| v.validity), Some(Validity::Valid));
}

/// Every kept input runs clean: the hostile shapes written for each target (empty input,
/// lengths that claim billions of items, nesting past every limit, entity bombs, a DCC cut in
/// half) and each input a fuzzer ever crashed on (`tests/fuzz/run` adds them). A target with
/// no kept input fails, so a lost folder cannot pass unnoticed.
#[test]
fn every_kept_input_runs_clean_through_its_target() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for (name, target) in hengxin_fuzz::TARGETS {
        let entries = std::fs::read_dir(dir.join(name))
            .unwrap_or_else(|e| panic!("regressions/{name}/ cannot be read: {e}"));
        let mut replayed = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            eprintln!("{}", path.display());
            target(&std::fs::read(&path).unwrap());
            replayed += 1;
        }
        assert!(replayed > 0, "regressions/{name}/ keeps no input to replay");
    }
}
