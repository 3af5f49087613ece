//! The two schemes side by side on one core: signing and verifying a transaction-sized message
//! with ed25519 (`verify_strict`) and SM2 (the default identifier), by the one rule every
//! component uses (`Keypair::sign`, `PublicKey::verify`); and SHA-256 against SM3 over a block
//! header's bytes and over 1 KiB.
//!
//! `cargo bench -p hengxin-primitives --bench signatures`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hengxin_primitives::Keypair;
use hengxin_primitives::crypto::Scheme;

/// About a signed anchor's payload.
const MESSAGE_BYTES: usize = 320;

fn signatures(c: &mut Criterion) {
    let message: Vec<u8> = (0..MESSAGE_BYTES).map(|i| i as u8).collect();
    let mut group = c.benchmark_group("signature");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    for scheme in Scheme::ALL {
        let key = Keypair::from_secret(scheme, &[7; 32]).unwrap();
        let public = key.public();
        let signature = key.sign(&message);
        assert!(public.verify(&message, &signature));
        let name = scheme.key_name();
        group.bench_function(format!("{name}_sign"), |b| {
            b.iter(|| key.sign(std::hint::black_box(&message)))
        });
        group.bench_function(format!("{name}_verify"), |b| {
            b.iter(|| public.verify(std::hint::black_box(&message), &signature))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("hash");
    for bytes in [200usize, 1024] {
        let data = vec![0x5a; bytes];
        group.throughput(Throughput::Bytes(bytes as u64));
        for scheme in Scheme::ALL {
            group.bench_function(format!("{}_{bytes}_bytes", scheme.hash_name()), |b| {
                b.iter(|| scheme.hash(std::hint::black_box(&data)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, signatures);
criterion_main!(benches);
