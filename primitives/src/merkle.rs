//! The Jellyfish Merkle Tree's sparse Merkle proofs, read and checked without the tree crate
//! (which needs `std`, and would double the browser verifier's size).
//!
//! The bytes are the tree crate's canonical borsh encoding of `SparseMerkleProof<H>` (`H` the
//! chain's hash: SHA-256, or SM3 on an SM2/SM3 chain; the encoding is the same):
//!
//! ```text
//! proof    = leaf-opt siblings
//! leaf-opt = 0x00 | 0x01 leaf
//! leaf     = key_hash[32] value_hash[32]
//! siblings = count(u32 LE, ≤ 256) node*     (bottom level first)
//! node     = 0x00 (empty) | 0x01 left[32] right[32] (internal) | 0x02 leaf
//! ```
//!
//! A leaf hashes as `H("JMT::LeafNode" ‖ key_hash ‖ value_hash)`, an internal node as
//! `H("JMT::IntrnalNode" ‖ left ‖ right)`, an empty subtree as the placeholder, and the
//! check is the tree crate's `SparseMerkleProof::verify`; a test holds the two equal.

use alloc::vec::Vec;

use crate::crypto::Scheme;

const LEAF_DOMAIN: &[u8] = b"JMT::LeafNode";
const INTERNAL_DOMAIN: &[u8] = b"JMT::IntrnalNode";
const PLACEHOLDER: [u8; 32] = *b"SPARSE_MERKLE_PLACEHOLDER_HASH__";
/// One sibling per bit of a key hash at most.
const SIBLINGS_MAX: usize = 256;

/// Why a proof was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProofError {
    /// The bytes are not a proof.
    Malformed,
    /// The proof does not show the key's value (or absence) under the root.
    Mismatch,
}

/// A decoded proof: the leaf it ends on, if any, and each sibling's hash, bottom first.
struct Proof {
    leaf: Option<([u8; 32], [u8; 32])>,
    siblings: Vec<[u8; 32]>,
}

/// Checks that the tree with `root` holds `value` under `key_hash` (or nothing, for `None`),
/// hashing with `scheme`'s hash.
pub(crate) fn verify(
    scheme: Scheme,
    proof: &[u8],
    root: &[u8; 32],
    key_hash: &[u8; 32],
    value: Option<&[u8]>,
) -> Result<(), ProofError> {
    let proof = decode(scheme, proof).ok_or(ProofError::Malformed)?;
    let siblings = proof.siblings.len();
    let leaf_fits = match (value, proof.leaf) {
        // Inclusion: the leaf is the key's, with the value's hash.
        (Some(value), Some((leaf_key, leaf_value))) => {
            leaf_key == *key_hash && leaf_value == scheme.hash(value).0
        }
        (Some(_), None) => false,
        // Absence: another key is alone in the subtree the key would be in.
        (None, Some((leaf_key, _))) => {
            leaf_key != *key_hash && common_prefix_bits(&leaf_key, key_hash) >= siblings
        }
        // Absence: the key's place is empty.
        (None, None) => true,
    };
    let start = proof.leaf.map_or(PLACEHOLDER, |(key, value)| {
        node_hash(scheme, LEAF_DOMAIN, &key, &value)
    });
    let computed = proof
        .siblings
        .iter()
        .enumerate()
        .fold(start, |hash, (level, sibling)| {
            if bit(key_hash, siblings - 1 - level) {
                node_hash(scheme, INTERNAL_DOMAIN, sibling, &hash)
            } else {
                node_hash(scheme, INTERNAL_DOMAIN, &hash, sibling)
            }
        });
    if leaf_fits && computed == *root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// Reads the borsh bytes strictly: known tags only, no trailing bytes.
fn decode(scheme: Scheme, bytes: &[u8]) -> Option<Proof> {
    let mut input = bytes;
    let leaf = match take::<1>(&mut input)? {
        [0] => None,
        [1] => Some(take_leaf(&mut input)?),
        _ => return None,
    };
    let count = usize::try_from(u32::from_le_bytes(take::<4>(&mut input)?)).ok()?;
    if count > SIBLINGS_MAX {
        return None;
    }
    let mut siblings = Vec::with_capacity(count);
    for _ in 0..count {
        let hash = match take::<1>(&mut input)? {
            [0] => PLACEHOLDER,
            [1] => {
                let (left, right) = (take::<32>(&mut input)?, take::<32>(&mut input)?);
                node_hash(scheme, INTERNAL_DOMAIN, &left, &right)
            }
            [2] => {
                let (key, value) = take_leaf(&mut input)?;
                node_hash(scheme, LEAF_DOMAIN, &key, &value)
            }
            _ => return None,
        };
        siblings.push(hash);
    }
    input.is_empty().then_some(Proof { leaf, siblings })
}

fn take_leaf(input: &mut &[u8]) -> Option<([u8; 32], [u8; 32])> {
    Some((take::<32>(input)?, take::<32>(input)?))
}

fn take<const N: usize>(input: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = input.split_first_chunk::<N>()?;
    *input = rest;
    Some(*head)
}

fn node_hash(scheme: Scheme, domain: &[u8], left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = scheme.hasher();
    hasher.update(domain);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().0
}

/// Bit `index` of a hash, most significant bit of the first byte first.
fn bit(hash: &[u8; 32], index: usize) -> bool {
    hash[index / 8] & (0x80 >> (index % 8)) != 0
}

fn common_prefix_bits(a: &[u8; 32], b: &[u8; 32]) -> usize {
    (0..256).take_while(|&i| bit(a, i) == bit(b, i)).count()
}
