//! The draw against DOMAIN.md §5, recomputed here independently from the text.

use alloc::string::String;

use super::*;
use crate::crypto::PublicKey;

/// 统一社会信用代码 with a valid check digit, one per `n`.
fn code(n: u32) -> CreditCode {
    CreditCode::completing(&alloc::format!("91500103MA{n:07}")).unwrap()
}

fn inspector(n: u8) -> AccountId {
    PublicKey::Ed25519([n; 32])
}

/// An SM2-shaped key (the draw reads its bytes only).
fn sm2_inspector(n: u8) -> AccountId {
    let mut key = [n; 65];
    key[0] = 4;
    PublicKey::Sm2(key)
}

/// The spec, written out again with the hash crates themselves, not the module's helpers.
fn sha(scheme: Scheme, parts: &[&[u8]]) -> [u8; 32] {
    match scheme {
        Scheme::Ed25519Sha256 => {
            use sha2::Digest;
            let mut h = sha2::Sha256::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().into()
        }
        Scheme::Sm2Sm3 => {
            use sm3::Digest;
            let mut h = sm3::Sm3::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().into()
        }
    }
}

const ED: Scheme = Scheme::Ed25519Sha256;

#[test]
fn the_seed_is_the_tagged_hash_of_the_plan_and_the_block() {
    let block = Hash([0x5a; 32]);
    let mut bytes = b"hengxin/draw/v1".to_vec();
    bytes.extend_from_slice(&7u64.to_le_bytes());
    bytes.extend_from_slice(&block.0);
    for scheme in Scheme::ALL {
        assert_eq!(seed(scheme, 7, &block).0, sha(scheme, &[&bytes]));
        assert_ne!(seed(scheme, 7, &block), seed(scheme, 8, &block));
        assert_ne!(seed(scheme, 7, &block), seed(scheme, 7, &Hash([0x5b; 32])));
    }
    assert_ne!(seed(ED, 7, &block), seed(Scheme::Sm2Sm3, 7, &block));
    assert_eq!(DRAW_TAG.len(), 15);
}

#[test]
fn ratios_are_whole_percent_rounded_up() {
    assert_eq!(sample_size(0, 5), 0);
    assert_eq!(sample_size(1, 5), 1);
    assert_eq!(sample_size(20, 5), 1);
    assert_eq!(sample_size(21, 5), 2);
    assert_eq!(sample_size(10, 30), 3);
    assert_eq!(sample_size(11, 30), 4);
    assert_eq!(sample_size(7, 100), 7);
    assert_eq!(sample_size(7, 0), 0);
    assert_eq!(sample_size(7, 200), 7, "never more than all");
}

/// The expected draw, computed from the text of §5.
fn recompute(
    scheme: Scheme,
    seed: &Hash,
    businesses: &[(CreditCode, Grade)],
    ratios: [u8; 4],
    pool: &[AccountId],
    conflicts: &[(AccountId, CreditCode)],
) -> Vec<(String, Grade, Vec<AccountId>)> {
    let mut out = Vec::new();
    for (g, grade) in [Grade::A, Grade::B, Grade::C, Grade::D].iter().enumerate() {
        let mut of_grade: Vec<_> = businesses
            .iter()
            .filter(|(_, b)| b == grade)
            .map(|(c, _)| (sha(scheme, &[&seed.0, c.as_str().as_bytes()]), c.clone()))
            .collect();
        of_grade.sort();
        let n = (of_grade.len() * usize::from(ratios[g])).div_ceil(100);
        for (_, c) in of_grade.into_iter().take(n) {
            let mut ranked: Vec<_> = pool
                .iter()
                .filter(|k| !conflicts.contains(&(**k, c.clone())))
                .map(|k| {
                    let rank = sha(scheme, &[&seed.0, c.as_str().as_bytes(), k.as_bytes()]);
                    (rank, *k)
                })
                .collect();
            ranked.sort();
            let chosen = ranked.into_iter().take(2).map(|(_, k)| k).collect();
            out.push((c.to_string(), *grade, chosen));
        }
    }
    out
}

fn population() -> Vec<(CreditCode, Grade)> {
    (0..60)
        .map(|i| {
            let grade = match i % 6 {
                0..=2 => Grade::A,
                3 | 4 => Grade::B,
                _ if i % 12 == 5 => Grade::C,
                _ => Grade::D,
            };
            (code(i), grade)
        })
        .collect()
}

#[test]
fn the_draw_equals_an_independent_recomputation_in_both_schemes() {
    let businesses = population();
    let ratios = [5, 10, 30, 100];
    let mut draws = Vec::new();
    for (scheme, key) in [
        (ED, inspector as fn(u8) -> AccountId),
        (Scheme::Sm2Sm3, sm2_inspector),
    ] {
        let seed = seed(scheme, 3, &Hash([0x11; 32]));
        let pool: Vec<_> = (1..=6).map(key).collect();
        let conflicts = [(key(2), businesses[0].0.clone())];
        let drawn = draw(scheme, &seed, &businesses, &ratios, &pool, &conflicts);
        let expected = recompute(scheme, &seed, &businesses, ratios, &pool, &conflicts);
        let got: Vec<_> = drawn
            .iter()
            .map(|t| (t.credit_code.to_string(), t.grade, t.inspectors.clone()))
            .collect();
        assert_eq!(got, expected, "{scheme}");
        draws.push(got.into_iter().map(|(c, ..)| c).collect::<Vec<_>>());
    }
    assert_ne!(draws[0], draws[1], "SM3 ranks otherwise than SHA-256");
    let seed = seed(ED, 3, &Hash([0x11; 32]));
    let pool: Vec<_> = (1..=6).map(inspector).collect();
    let conflicts = [(inspector(2), businesses[0].0.clone())];
    let drawn = draw(ED, &seed, &businesses, &ratios, &pool, &conflicts);
    // 30 A → 2, 20 B → 2, 5 C → 2, 5 D → 5.
    let per_grade: Vec<_> = Grade::ALL
        .iter()
        .map(|g| drawn.iter().filter(|t| t.grade == *g).count())
        .collect();
    assert_eq!(per_grade, [2, 2, 2, 5]);
    assert!(drawn.iter().all(|t| t.inspectors.len() == 2 && !t.short));
    // Listed by grade, then rank.
    assert!(drawn.windows(2).all(|w| w[0].grade <= w[1].grade));
}

#[test]
fn another_block_hash_draws_otherwise_and_the_input_order_does_not_matter() {
    let businesses = population();
    let pool: Vec<_> = (1..=6).map(inspector).collect();
    let ratios = [5, 10, 30, 100];
    let a = draw(
        ED,
        &seed(ED, 3, &Hash([0x11; 32])),
        &businesses,
        &ratios,
        &pool,
        &[],
    );
    let b = draw(
        ED,
        &seed(ED, 3, &Hash([0x12; 32])),
        &businesses,
        &ratios,
        &pool,
        &[],
    );
    assert_ne!(a, b);
    let mut shuffled = businesses.clone();
    shuffled.reverse();
    let mut pool_reversed = pool.clone();
    pool_reversed.reverse();
    let again = draw(
        ED,
        &seed(ED, 3, &Hash([0x11; 32])),
        &shuffled,
        &ratios,
        &pool_reversed,
        &[],
    );
    assert_eq!(a, again);
}

#[test]
fn conflicts_are_skipped_and_a_short_pool_is_marked_short() {
    let s = seed(ED, 1, &Hash([3; 32]));
    let business = code(1);
    let businesses = [(business.clone(), Grade::D)];
    let pool: Vec<_> = (1..=3).map(inspector).collect();
    let full = draw(ED, &s, &businesses, &[5, 10, 30, 100], &pool, &[]);
    assert_eq!(full[0].inspectors.len(), 2);
    let first = full[0].inspectors[0];
    let conflicts = [(first, business.clone())];
    let skipped = draw(ED, &s, &businesses, &[5, 10, 30, 100], &pool, &conflicts);
    assert!(
        !skipped[0].inspectors.contains(&first),
        "a conflicted inspector is skipped"
    );
    assert_eq!(skipped[0].inspectors[0], full[0].inspectors[1]);
    assert!(!skipped[0].short);
    // Two of three in conflict: one left, marked short; all three: none.
    let two: Vec<_> = pool[..2].iter().map(|k| (*k, business.clone())).collect();
    let short = draw(ED, &s, &businesses, &[5, 10, 30, 100], &pool, &two);
    assert_eq!((short[0].inspectors.len(), short[0].short), (1, true));
    let all: Vec<_> = pool.iter().map(|k| (*k, business.clone())).collect();
    let none = draw(ED, &s, &businesses, &[5, 10, 30, 100], &pool, &all);
    assert_eq!((none[0].inspectors.len(), none[0].short), (0, true));
    // A conflict with another business does not count.
    let elsewhere = [(first, code(2))];
    assert_eq!(
        draw(ED, &s, &businesses, &[5, 10, 30, 100], &pool, &elsewhere),
        full
    );
}
