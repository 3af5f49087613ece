//! SM3 and SM2 against the standards' own examples: GB/T 32905-2016 appendix A (SM3) and the
//! GM/T 0003.5-2012 signature on the recommended curve with the default identifier (SM2; GB/T
//! 32918.2's appendix example is on a test curve the recommended-curve code cannot take).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::hex;
use hengxin_primitives::{Keypair, PublicKey, Signature};

fn bytes<const N: usize>(text: &str) -> [u8; N] {
    hex::decode_array(&text.replace(' ', "")).unwrap()
}

const D: &str = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
const PX: &str = "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020";
const PY: &str = "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13";
const R: &str = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3";
const S: &str = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";
/// The same key, nonce and message signed under the identifier "ALICE123@YAHOO.COM".
const ALICE_R: &str = "b0e3e7d4ac2178f833ad73fa9d1191e41c76c8bfedb5ad89040ba2e5184bde58";
const ALICE_S: &str = "cc8d096578f7dd2669ac1ac42f7e722bcfa42b9e0be0b1b5df7ca0b53fdd5750";
const MESSAGE: &[u8] = b"message digest";
/// The group order n.
const N: &str = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";

fn key() -> PublicKey {
    PublicKey::Sm2(bytes(&format!("04{PX}{PY}")))
}

fn sig(r: &str, s: &str) -> Signature {
    Signature::Sm2(bytes(&format!("{r}{s}")))
}

#[test]
fn sm3_gives_the_standards_digests() {
    let sm3 = |m: &[u8]| Scheme::Sm2Sm3.hash(m).to_hex();
    assert_eq!(
        sm3(b"abc"),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    assert_eq!(
        sm3(&b"abcd".repeat(16)),
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    );
    // The tagged form is the hash of the concatenation, streamed or not.
    assert_eq!(
        Scheme::Sm2Sm3.tagged_hash(b"ab", b"c").to_hex(),
        sm3(b"abc")
    );
    assert_eq!(
        Scheme::Ed25519Sha256.hash(b"abc").to_hex(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn the_gmt_0003_signature_verifies_and_only_under_the_default_identifier() {
    assert!(key().verify(MESSAGE, &sig(R, S)));
    assert!(!key().verify(b"message digesu", &sig(R, S)));
    // Signed under another identifier: refused, the identifier is part of what is signed.
    assert!(!key().verify(MESSAGE, &sig(ALICE_R, ALICE_S)));
}

#[test]
fn our_key_from_the_vectors_secret_has_its_public_key_and_signs_deterministically() {
    let pair = Keypair::from_secret(Scheme::Sm2Sm3, &bytes(D)).unwrap();
    assert_eq!(pair.public(), key());
    assert_eq!(pair.public().scheme(), Scheme::Sm2Sm3);
    assert_eq!(pair.seed(), bytes::<32>(D));
    let a = pair.sign(MESSAGE);
    assert_eq!(a, pair.sign(MESSAGE), "RFC 6979: the same signature twice");
    assert!(matches!(a, Signature::Sm2(_)));
    assert!(pair.public().verify(MESSAGE, &a));
    assert!(!pair.public().verify(b"other", &a));
}

#[test]
fn secrets_outside_one_to_n_minus_two_are_refused() {
    let n: [u8; 32] = bytes(N);
    let minus = |k: u8| {
        let mut v = n;
        v[31] -= k;
        v
    };
    assert!(Keypair::from_secret(Scheme::Sm2Sm3, &[0; 32]).is_none());
    assert!(
        Keypair::from_secret(Scheme::Sm2Sm3, &minus(1)).is_none(),
        "n − 1"
    );
    assert!(Keypair::from_secret(Scheme::Sm2Sm3, &n).is_none(), "n");
    assert!(Keypair::from_secret(Scheme::Sm2Sm3, &[0xff; 32]).is_none());
    let top = Keypair::from_secret(Scheme::Sm2Sm3, &minus(2)).unwrap();
    assert!(top.public().verify(b"x", &top.sign(b"x")), "n − 2 signs");
    let mut one = [0u8; 32];
    one[31] = 1;
    let one = Keypair::from_secret(Scheme::Sm2Sm3, &one).unwrap();
    assert!(one.public().verify(b"x", &one.sign(b"x")));
}

#[test]
fn out_of_range_scalars_bad_keys_and_the_other_scheme_are_refused() {
    let zero = "0".repeat(64);
    assert!(!key().verify(MESSAGE, &sig(&zero, S)), "r = 0");
    assert!(!key().verify(MESSAGE, &sig(R, &zero)), "s = 0");
    assert!(!key().verify(MESSAGE, &sig(N, S)), "r = n");
    // r + n does not fit; r − n wraps: both name another scalar. s + n alike.
    assert!(!key().verify(MESSAGE, &sig(R, N)), "s = n");

    let PublicKey::Sm2(mut compressed_tag) = key() else {
        unreachable!()
    };
    compressed_tag[0] = 0x03;
    assert!(
        !PublicKey::Sm2(compressed_tag).verify(MESSAGE, &sig(R, S)),
        "only 04 ‖ x ‖ y"
    );
    let PublicKey::Sm2(mut off_curve) = key() else {
        unreachable!()
    };
    off_curve[64] ^= 1;
    assert!(!PublicKey::Sm2(off_curve).verify(MESSAGE, &sig(R, S)));

    let Signature::Sm2(rs) = sig(R, S) else {
        unreachable!()
    };
    assert!(!key().verify(MESSAGE, &Signature::Ed25519(rs)));
    let ed = Keypair::from_seed(&[7; 32]);
    assert!(!ed.public().verify(MESSAGE, &Signature::Sm2(rs)));
}

#[test]
fn keys_read_back_from_hex_by_their_length() {
    let sm = key();
    assert_eq!(sm.to_hex().len(), 130);
    assert_eq!(PublicKey::from_hex(&sm.to_hex()), Some(sm));
    let ed = Keypair::from_seed(&[7; 32]).public();
    assert_eq!(PublicKey::from_hex(&ed.to_hex()), Some(ed));
    assert_eq!(PublicKey::from_hex(&sm.to_hex()[2..]), None, "no 04");
    assert_eq!(
        PublicKey::from_hex(&format!("03{}", &sm.to_hex()[2..])),
        None
    );
    assert_eq!(Scheme::from_name("sm2-sm3"), Some(Scheme::Sm2Sm3));
    assert_eq!(Scheme::from_name("SM2"), None);
}
