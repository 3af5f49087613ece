//! The authenticated state: a Jellyfish Merkle Tree versioned by height, stored in a [`Backend`].
//!
//! Layout in the backend: `n ‖ borsh(NodeKey)` → `borsh(Node)` for tree nodes, and
//! `v ‖ key_hash ‖ version (big-endian)` → `0` (deleted) or `1 ‖ value` for values, so the value
//! of a key at any version is one backward seek. `m/version` holds the latest committed version.
//! `k ‖ version (big-endian)` → SCALE `Vec<Vec<u8>>` lists the keys each version wrote or
//! deleted, ascending: what the SQL index reads a block's changes from (a few bytes a key, where
//! the values and tree nodes of the same keys take hundreds).

use hengxin_primitives::Hash;
use hengxin_primitives::crypto::{Hasher, Scheme};
use hengxin_primitives::state::{StateProof, key_hash};
use jmt::storage::{LeafNode, Node, NodeKey, TreeReader};
use jmt::{JellyfishMerkleTree, KeyHash, OwnedValue, SimpleHasher, Version};
use sha2::Sha256;

use std::collections::BTreeMap;

use crate::backend::{Backend, WriteBatch};
use crate::{Result, StorageError};

/// Pending writes: `Some(value)` puts, `None` deletes. Ordered, so their hash never depends on
/// insertion order.
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

const NODE_PREFIX: u8 = b'n';
pub(crate) const VALUE_PREFIX: u8 = b'v';
const CHANGED_PREFIX: u8 = b'k';
const VERSION_KEY: &[u8] = b"m/version";

/// The versioned, provable key-value state.
#[derive(Debug)]
pub struct StateDb<B> {
    backend: B,
    scheme: Scheme,
}

/// SM3 as the tree hashes with (the tree crate implements its hasher trait for SHA-256 itself;
/// `sm3` is of a newer `digest` than the tree's), through the primitives' one SM3.
struct Sm3Tree(Hasher);

impl SimpleHasher for Sm3Tree {
    fn new() -> Self {
        Sm3Tree(Scheme::Sm2Sm3.hasher())
    }

    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finalize(self) -> [u8; 32] {
        self.0.finalize().0
    }
}

/// Runs `$body` with `$tree` the Jellyfish Merkle tree over `$reader` hashing with `$scheme`'s
/// hash: the tree crate fixes its hash as a type parameter.
macro_rules! with_tree {
    ($scheme:expr, $reader:expr, |$tree:ident| $body:expr) => {
        match $scheme {
            Scheme::Ed25519Sha256 => {
                let $tree = JellyfishMerkleTree::<_, Sha256>::new($reader);
                $body
            }
            Scheme::Sm2Sm3 => {
                let $tree = JellyfishMerkleTree::<_, Sm3Tree>::new($reader);
                $body
            }
        }
    };
}

/// The tree's key for a state key (the primitives' rule, which the verifier checks proofs with).
fn tree_key(scheme: Scheme, key: &[u8]) -> KeyHash {
    KeyHash(key_hash(scheme, key))
}

fn backend_error(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(e.to_string())
}

fn value_key(hash: &KeyHash, version: Version) -> Vec<u8> {
    let mut key = Vec::with_capacity(41);
    key.push(VALUE_PREFIX);
    key.extend_from_slice(&hash.0);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

fn changed_key(version: Version) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    key.push(CHANGED_PREFIX);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

fn node_key(key: &NodeKey) -> Result<Vec<u8>> {
    let mut bytes = vec![NODE_PREFIX];
    borsh::to_writer(&mut bytes, key).map_err(backend_error)?;
    Ok(bytes)
}

impl<B: Backend> StateDb<B> {
    /// A state over `backend` (empty, or as last committed) of a chain of `scheme`, whose hash
    /// the tree hashes with.
    pub fn new(backend: B, scheme: Scheme) -> StateDb<B> {
        StateDb { backend, scheme }
    }

    /// The chain's scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The backend, for writing the state's batch together with other data.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The latest committed version, if any.
    pub fn latest_version(&self) -> Result<Option<Version>> {
        let Some(bytes) = self.backend.get(VERSION_KEY)? else {
            return Ok(None);
        };
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| StorageError::Corrupt("latest version record".into()))?;
        Ok(Some(u64::from_be_bytes(bytes)))
    }

    /// The value of `key` as of `version`.
    pub fn get(&self, key: &[u8], version: Version) -> Result<Option<Vec<u8>>> {
        Reader(&self.backend).value(version, tree_key(self.scheme, key))
    }

    /// The keys `version` wrote or deleted, ascending; `None` for a version not committed (or
    /// committed before change lists were kept).
    pub fn changed_keys(&self, version: Version) -> Result<Option<Vec<Vec<u8>>>> {
        let Some(bytes) = self.backend.get(&changed_key(version))? else {
            return Ok(None);
        };
        hengxin_primitives::codec::decode_strict("changed keys", &bytes)
            .map(Some)
            .map_err(|e| StorageError::Corrupt(e.to_string()))
    }

    /// The state root at `version`.
    pub fn root(&self, version: Version) -> Result<Hash> {
        let reader = Reader(&self.backend);
        let root = with_tree!(self.scheme, &reader, |tree| tree
            .get_root_hash_option(version));
        match root {
            Ok(Some(root)) => Ok(Hash(root.0)),
            Ok(None) => Err(StorageError::MissingVersion(version)),
            Err(e) => Err(backend_error(e)),
        }
    }

    /// The value of `key` at `version` with a proof against that version's root.
    pub fn prove(&self, key: &[u8], version: Version) -> Result<StateProof> {
        let reader = Reader(&self.backend);
        let key_hash = tree_key(self.scheme, key);
        // The proof's bytes do not depend on the hash; serializing into a Vec cannot fail.
        let (value, proof) = with_tree!(self.scheme, &reader, |tree| {
            let (value, proof) = tree
                .get_with_proof(key_hash, version)
                .map_err(backend_error)?;
            (value, borsh::to_vec(&proof).unwrap_or_default())
        });
        Ok(StateProof {
            key: key.to_vec(),
            value,
            proof,
        })
    }

    /// Applies `changes` on top of `version - 1` (or the empty state for version 0) and returns
    /// the new root with the batch that stores it. Nothing is written: commit the batch (with
    /// the block it belongs to) to make it the latest state.
    pub fn compute(&self, changes: Changes, version: Version) -> Result<(Hash, WriteBatch)> {
        let reader = Reader(&self.backend);
        let changed: Vec<&Vec<u8>> = changes.keys().collect();
        let changed = parity_scale_codec::Encode::encode(&changed);
        // The batch insertion hashes each touched node once, where inserting key by key
        // rehashes the whole path per key; it cannot delete, so a block with a deletion (or
        // with no change at all) takes the key-by-key path. Both give the same root: a JMT's
        // shape and hashes depend only on its contents.
        let scheme = self.scheme;
        let (root, update) = if changes.is_empty() || changes.values().any(Option::is_none) {
            let value_set = changes.into_iter().map(|(k, v)| (tree_key(scheme, &k), v));
            with_tree!(scheme, &reader, |tree| tree
                .put_value_set(value_set, version))
            .map_err(backend_error)?
        } else {
            let value_set = vec![
                changes
                    .into_iter()
                    .map(|(k, v)| (tree_key(scheme, &k), v.unwrap_or_default()))
                    .collect(),
            ];
            let (roots, update) = with_tree!(scheme, &reader, |tree| tree
                .batch_put_value_sets(value_set, None, version))
            .map_err(backend_error)?;
            let root = roots
                .first()
                .copied()
                .ok_or_else(|| backend_error("tree returned no root"))?;
            (root, update)
        };
        let mut batch = WriteBatch::default();
        for (key, node) in update.node_batch.nodes() {
            batch.put(node_key(key)?, borsh::to_vec(node).map_err(backend_error)?);
        }
        for ((version, hash), value) in update.node_batch.values() {
            let stored = match value {
                Some(v) => [&[1u8][..], v].concat(),
                None => vec![0],
            };
            batch.put(value_key(hash, *version), stored);
        }
        batch.put(changed_key(version), changed);
        batch.put(VERSION_KEY.to_vec(), version.to_be_bytes().to_vec());
        Ok((Hash(root.0), batch))
    }

    /// Computes and commits `changes` as `version` in one step (genesis, tests, benchmarks).
    pub fn commit(&self, changes: Changes, version: Version) -> Result<Hash> {
        let (root, batch) = self.compute(changes, version)?;
        self.backend.commit(batch)?;
        Ok(root)
    }
}

/// The tree's view of the backend.
struct Reader<'a, B>(&'a B);

impl<B: Backend> Reader<'_, B> {
    fn value(&self, max_version: Version, hash: KeyHash) -> Result<Option<Vec<u8>>> {
        if self
            .0
            .key_filter()
            .is_some_and(|f| f.never_written(&hash.0))
        {
            return Ok(None);
        }
        let Some((key, stored)) = self.0.seek_prev(&value_key(&hash, max_version))? else {
            return Ok(None);
        };
        if key.len() != 41 || key[0] != VALUE_PREFIX || key[1..33] != hash.0 {
            return Ok(None);
        }
        match stored.split_first() {
            Some((1, value)) => Ok(Some(value.to_vec())),
            Some((0, [])) => Ok(None),
            _ => Err(StorageError::Corrupt(format!(
                "value record of key hash {}",
                Hash(hash.0)
            ))),
        }
    }
}

impl<B: Backend> TreeReader for Reader<'_, B> {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let Some(bytes) = self.0.get(&node_key_anyhow(node_key)?)? else {
            return Ok(None);
        };
        Ok(Some(borsh::from_slice(&bytes)?))
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        Ok(self.value(max_version, key_hash)?)
    }

    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        // Only used when restoring a tree from chunks, which this state never does.
        anyhow::bail!("restoring a tree from chunks is not supported")
    }
}

fn node_key_anyhow(key: &NodeKey) -> anyhow::Result<Vec<u8>> {
    Ok(node_key(key)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryBackend;

    fn changes(pairs: &[(&str, Option<&str>)]) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        pairs
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))
            .collect()
    }

    #[test]
    fn values_are_versioned_and_proven() {
        for scheme in Scheme::ALL {
            values_are_versioned_and_proven_in(scheme);
        }
    }

    fn values_are_versioned_and_proven_in(scheme: Scheme) {
        let db = StateDb::new(MemoryBackend::default(), scheme);
        let r0 = db
            .commit(changes(&[("a", Some("1")), ("b", Some("2"))]), 0)
            .unwrap();
        let r1 = db
            .commit(changes(&[("a", Some("3")), ("b", None)]), 1)
            .unwrap();
        let r2 = db.commit(changes(&[]), 2).unwrap();
        assert_ne!(r0, r1);
        assert_eq!(r1, r2, "an empty block keeps the root");
        assert_eq!(db.latest_version().unwrap(), Some(2));
        assert_eq!(db.get(b"a", 0).unwrap().as_deref(), Some(&b"1"[..]));
        assert_eq!(db.get(b"a", 2).unwrap().as_deref(), Some(&b"3"[..]));
        assert_eq!(db.get(b"b", 0).unwrap().as_deref(), Some(&b"2"[..]));
        assert_eq!(db.get(b"b", 1).unwrap(), None);
        assert_eq!(db.root(0).unwrap(), r0);
        let keys = |v| db.changed_keys(v).unwrap();
        assert_eq!(keys(0), Some(vec![b"a".to_vec(), b"b".to_vec()]));
        assert_eq!(
            keys(1),
            Some(vec![b"a".to_vec(), b"b".to_vec()]),
            "deletions included"
        );
        assert_eq!(keys(2), Some(vec![]));
        assert_eq!(keys(3), None, "a version not committed");

        let present = db.prove(b"a", 2).unwrap();
        assert_eq!(present.value.as_deref(), Some(&b"3"[..]));
        assert!(present.verify(scheme, &r2).is_ok());
        assert!(
            present.verify(scheme, &r0).is_err(),
            "a proof holds only for its own root"
        );

        let absent = db.prove(b"b", 2).unwrap();
        assert_eq!(absent.value, None);
        assert!(absent.verify(scheme, &r2).is_ok());
        let never = db.prove(b"zzz", 2).unwrap();
        assert!(never.verify(scheme, &r2).is_ok());
    }

    /// With the key filter attached (before or after the first commit), every read and proof
    /// is what the unfiltered state gives, at every version.
    #[test]
    fn a_filtered_state_reads_and_proves_as_an_unfiltered_one() {
        let plain = StateDb::new(MemoryBackend::default(), Scheme::default());
        let early = StateDb::new(
            MemoryBackend::default().with_key_filter().unwrap(),
            Scheme::default(),
        );
        let late = StateDb::new(MemoryBackend::default(), Scheme::default());
        let blocks = [
            changes(&[("a", Some("1")), ("b", Some("2"))]),
            changes(&[("a", Some("3")), ("b", None), ("c", Some("4"))]),
        ];
        for (version, block) in blocks.iter().enumerate() {
            plain.commit(block.clone(), version as u64).unwrap();
            early.commit(block.clone(), version as u64).unwrap();
            late.commit(block.clone(), version as u64).unwrap();
        }
        let late = StateDb::new(late.backend.with_key_filter().unwrap(), Scheme::default());
        assert!(early.backend().key_filter().unwrap().is_ready());
        for version in 0..2 {
            for key in ["a", "b", "c", "never"] {
                let want = plain.get(key.as_bytes(), version).unwrap();
                assert_eq!(
                    early.get(key.as_bytes(), version).unwrap(),
                    want,
                    "{key}@{version}"
                );
                assert_eq!(
                    late.get(key.as_bytes(), version).unwrap(),
                    want,
                    "{key}@{version}"
                );
                let proof = plain.prove(key.as_bytes(), version).unwrap();
                assert_eq!(early.prove(key.as_bytes(), version).unwrap(), proof);
                assert_eq!(late.prove(key.as_bytes(), version).unwrap(), proof);
            }
        }
    }

    #[test]
    fn batch_and_key_by_key_insertion_give_the_same_roots() {
        for scheme in Scheme::ALL {
            batch_and_key_by_key_insertion_give_the_same_roots_in(scheme);
        }
    }

    fn batch_and_key_by_key_insertion_give_the_same_roots_in(scheme: Scheme) {
        let batch = StateDb::new(MemoryBackend::default(), scheme);
        let single = StateDb::new(MemoryBackend::default(), scheme);
        for version in 0..4u64 {
            let set: BTreeMap<Vec<u8>, Option<Vec<u8>>> = (0..300u64)
                .map(|i| {
                    (
                        format!("k{}", i * 7 + version).into_bytes(),
                        Some(vec![version as u8; 3]),
                    )
                })
                .collect();
            let root = batch.commit(set.clone(), version).unwrap();
            // One deletion forces the key-by-key path for the same contents.
            let mut with_delete = set.clone();
            with_delete.insert(b"never-there".to_vec(), None);
            assert_eq!(single.commit(with_delete, version).unwrap(), root);
        }
        assert!(
            batch
                .prove(b"k7", 3)
                .unwrap()
                .verify(scheme, &batch.root(3).unwrap())
                .is_ok()
        );
    }

    #[test]
    fn tampered_proofs_fail() {
        for scheme in Scheme::ALL {
            tampered_proofs_fail_in(scheme);
        }
    }

    /// The same contents have another root under SM3, and a proof of one tree proves nothing
    /// to a verifier of the other scheme.
    #[test]
    fn the_schemes_trees_differ_and_their_proofs_do_not_cross() {
        let set = changes(&[("a", Some("1")), ("b", Some("2")), ("c", Some("3"))]);
        let sha = StateDb::new(MemoryBackend::default(), Scheme::Ed25519Sha256);
        let sm3 = StateDb::new(MemoryBackend::default(), Scheme::Sm2Sm3);
        let (sha_root, sm3_root) = (
            sha.commit(set.clone(), 0).unwrap(),
            sm3.commit(set, 0).unwrap(),
        );
        assert_ne!(sha_root, sm3_root);
        let proof = sm3.prove(b"b", 0).unwrap();
        assert!(proof.verify(Scheme::Sm2Sm3, &sm3_root).is_ok());
        assert!(proof.verify(Scheme::Ed25519Sha256, &sm3_root).is_err());
        assert!(proof.verify(Scheme::Ed25519Sha256, &sha_root).is_err());
        assert!(jmt_accepts(Scheme::Sm2Sm3, &proof, &sm3_root));
    }

    fn tampered_proofs_fail_in(scheme: Scheme) {
        let db = StateDb::new(MemoryBackend::default(), scheme);
        let pairs: Vec<(String, Option<String>)> = (0..50)
            .map(|i| (format!("key{i}"), Some(format!("value{i}"))))
            .collect();
        let set: BTreeMap<_, _> = pairs
            .iter()
            .map(|(k, v)| {
                (
                    k.as_bytes().to_vec(),
                    v.as_ref().map(|v| v.as_bytes().to_vec()),
                )
            })
            .collect();
        let root = db.commit(set, 0).unwrap();
        let proof = db.prove(b"key7", 0).unwrap();
        assert!(proof.verify(scheme, &root).is_ok());

        let mut wrong_value = proof.clone();
        wrong_value.value = Some(b"value8".to_vec());
        assert!(wrong_value.verify(scheme, &root).is_err());

        let mut claims_absent = proof.clone();
        claims_absent.value = None;
        assert!(claims_absent.verify(scheme, &root).is_err());

        let mut other_key = proof.clone();
        other_key.key = b"key8".to_vec();
        assert!(other_key.verify(scheme, &root).is_err());

        for i in 0..proof.proof.len() {
            let mut flipped = proof.clone();
            flipped.proof[i] ^= 0x01;
            assert!(
                flipped.verify(scheme, &root).is_err(),
                "flipping proof byte {i} must break it"
            );
        }
        let mut trailing = proof;
        trailing.proof.push(0);
        assert!(trailing.verify(scheme, &root).is_err());
    }

    /// The tree crate's own verdict on a proof: the reference the primitives' check must equal.
    fn jmt_accepts(scheme: Scheme, proof: &StateProof, root: &Hash) -> bool {
        fn accepts<H: SimpleHasher>(scheme: Scheme, proof: &StateProof, root: &Hash) -> bool {
            borsh::from_slice::<jmt::proof::SparseMerkleProof<H>>(&proof.proof).is_ok_and(|p| {
                p.verify(
                    jmt::RootHash(root.0),
                    tree_key(scheme, &proof.key),
                    proof.value.as_deref(),
                )
                .is_ok()
            })
        }
        match scheme {
            Scheme::Ed25519Sha256 => accepts::<Sha256>(scheme, proof, root),
            Scheme::Sm2Sm3 => accepts::<Sm3Tree>(scheme, proof, root),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Proofs of present and absent keys in random trees, and the same proofs with one
        /// byte changed, cut short or lengthened, or checked for another key or value: the
        /// primitives accept exactly what the tree crate accepts, and every honest proof.
        #[test]
        fn the_primitives_check_proofs_as_the_tree_crate_does(
            keys in proptest::collection::btree_set(proptest::collection::vec(0u8..4, 1..4), 1..40),
            probe in proptest::collection::vec(0u8..4, 1..4),
            position in 0usize..5000,
            byte in 1u8..=255,
            sm in proptest::bool::ANY,
        ) {
            let scheme = if sm { Scheme::Sm2Sm3 } else { Scheme::Ed25519Sha256 };
            let db = StateDb::new(MemoryBackend::default(), scheme);
            let set = keys.iter().map(|k| (k.clone(), Some(k.repeat(2)))).collect();
            let root = db.commit(set, 0).unwrap();
            for key in [keys.first().unwrap(), keys.last().unwrap(), &probe] {
                let honest = db.prove(key, 0).unwrap();
                proptest::prop_assert!(honest.verify(scheme, &root).is_ok());
                proptest::prop_assert!(jmt_accepts(scheme, &honest, &root));
                let mut flipped = honest.clone();
                let at = position % flipped.proof.len();
                flipped.proof[at] ^= byte;
                let mut short = honest.clone();
                short.proof.truncate(at);
                let mut long = honest.clone();
                long.proof.push(byte);
                let mut other_value = honest.clone();
                other_value.value = Some(match honest.value { Some(_) => vec![byte], None => key.clone() });
                let mut absent = honest.clone();
                absent.value = None;
                let mut other_key = honest.clone();
                other_key.key.push(byte % 4);
                for bent in [flipped, short, long, other_value, absent, other_key] {
                    proptest::prop_assert_eq!(bent.verify(scheme, &root).is_ok(), jmt_accepts(scheme, &bent, &root));
                }
            }
        }
    }
}
