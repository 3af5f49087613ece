//! One SCALE codec for everything the engine sends, stores or syncs. Malachite's types have no
//! encoding of their own: each is mirrored by a wire type here, decoded strictly (limits, no
//! trailing bytes) because every byte comes from a peer or from disk.

use bytes::Bytes;
use hengxin_primitives::codec::{DecodeError, decode_strict};
use hengxin_primitives::{Hash, PublicKey, Signature};
use malachite_app_channel::app::consensus::LivenessMsg;
use malachite_app_channel::app::streaming::StreamContent;
use malachite_app_channel::app::types::codec::{Codec, HasEncodedLen};
use malachite_app_channel::app::types::core::{
    ExtendedCommitCertificate, ExtendedCommitSignature, NilOrVal, PolkaCertificate, PolkaSignature,
    Round, RoundCertificate, RoundCertificateType, RoundSignature, SignedMessage, SignedProposal,
    SignedVote, ValidatorProof, Validity, VoteType,
};
use malachite_app_channel::app::types::streaming::{StreamId, StreamMessage};
use malachite_app_channel::app::types::sync::{RawDecidedValue, Request, Response, Status};
use malachite_app_channel::app::types::{PeerId, ProposedValue, SignedConsensusMsg};
use malachite_sync::{ValueRequest, ValueResponse};
use parity_scale_codec::{Decode, Encode};

use super::context::{
    Address, BlockHash, Height, HengxinContext as Ctx, Proposal, ProposalPart, Vote,
};

/// The codec the engine is started with (consensus, sync and WAL alike).
#[derive(Clone, Copy, Debug, Default)]
pub struct ScaleCodec;

/// Bytes that are not a message of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// Not SCALE of the expected type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Well-formed but not a valid value (a bad peer id, a height range backwards).
    #[error("invalid {0}")]
    Invalid(&'static str),
}

fn round_to_wire(round: Round) -> Option<u32> {
    round.as_u32()
}

fn round_from_wire(round: Option<u32>) -> Round {
    Round::from(round)
}

fn value_to_wire(value: &NilOrVal<BlockHash>) -> Option<Hash> {
    match value {
        NilOrVal::Val(hash) => Some(hash.0),
        NilOrVal::Nil => None,
    }
}

fn value_from_wire(value: Option<Hash>) -> NilOrVal<BlockHash> {
    value.map_or(NilOrVal::Nil, |hash| NilOrVal::Val(BlockHash(hash)))
}

#[derive(Encode, Decode)]
struct WireVote {
    precommit: bool,
    height: u64,
    round: Option<u32>,
    value: Option<Hash>,
    validator: PublicKey,
    extension: Option<Signature>,
}

#[derive(Encode, Decode)]
struct WireSignedVote {
    vote: WireVote,
    signature: Signature,
}

fn vote_to_wire(signed: &SignedVote<Ctx>) -> WireSignedVote {
    let v = &signed.message;
    WireSignedVote {
        vote: WireVote {
            precommit: v.vote_type == VoteType::Precommit,
            height: v.height.0,
            round: round_to_wire(v.round),
            value: value_to_wire(&v.value),
            validator: v.validator.0,
            extension: v.extension.as_ref().map(|e| e.signature),
        },
        signature: signed.signature,
    }
}

fn vote_from_wire(wire: WireSignedVote) -> SignedVote<Ctx> {
    let v = wire.vote;
    let vote = Vote {
        vote_type: if v.precommit {
            VoteType::Precommit
        } else {
            VoteType::Prevote
        },
        height: Height(v.height),
        round: round_from_wire(v.round),
        value: value_from_wire(v.value),
        validator: Address(v.validator),
        extension: v
            .extension
            .map(|signature| SignedMessage::new((), signature)),
    };
    SignedMessage::new(vote, wire.signature)
}

#[derive(Encode, Decode)]
struct WireSignedProposal {
    height: u64,
    round: Option<u32>,
    value: Hash,
    pol_round: Option<u32>,
    proposer: PublicKey,
    signature: Signature,
}

fn proposal_to_wire(signed: &SignedProposal<Ctx>) -> WireSignedProposal {
    let p = &signed.message;
    WireSignedProposal {
        height: p.height.0,
        round: round_to_wire(p.round),
        value: p.value.0,
        pol_round: round_to_wire(p.pol_round),
        proposer: p.proposer.0,
        signature: signed.signature,
    }
}

fn proposal_from_wire(w: WireSignedProposal) -> SignedProposal<Ctx> {
    let proposal = Proposal {
        height: Height(w.height),
        round: round_from_wire(w.round),
        value: BlockHash(w.value),
        pol_round: round_from_wire(w.pol_round),
        proposer: Address(w.proposer),
    };
    SignedMessage::new(proposal, w.signature)
}

#[derive(Encode, Decode)]
enum WireConsensusMsg {
    #[codec(index = 0)]
    Vote(WireSignedVote),
    #[codec(index = 1)]
    Proposal(WireSignedProposal),
}

#[derive(Encode, Decode)]
struct WireAddressSignature {
    address: PublicKey,
    signature: Signature,
}

#[derive(Encode, Decode)]
struct WirePolka {
    height: u64,
    round: Option<u32>,
    value: Hash,
    signatures: Vec<WireAddressSignature>,
}

fn polka_to_wire(c: &PolkaCertificate<Ctx>) -> WirePolka {
    WirePolka {
        height: c.height.0,
        round: round_to_wire(c.round),
        value: c.value_id.0,
        signatures: c
            .polka_signatures
            .iter()
            .map(|s| WireAddressSignature {
                address: s.address.0,
                signature: s.signature,
            })
            .collect(),
    }
}

fn polka_from_wire(w: WirePolka) -> PolkaCertificate<Ctx> {
    PolkaCertificate {
        height: Height(w.height),
        round: round_from_wire(w.round),
        value_id: BlockHash(w.value),
        polka_signatures: w
            .signatures
            .into_iter()
            .map(|s| PolkaSignature {
                address: Address(s.address),
                signature: s.signature,
            })
            .collect(),
    }
}

#[derive(Encode, Decode)]
struct WireRoundSignature {
    precommit: bool,
    value: Option<Hash>,
    address: PublicKey,
    signature: Signature,
}

#[derive(Encode, Decode)]
struct WireRoundCertificate {
    height: u64,
    round: Option<u32>,
    skip: bool,
    signatures: Vec<WireRoundSignature>,
}

#[derive(Encode, Decode)]
enum WireLiveness {
    #[codec(index = 0)]
    Vote(WireSignedVote),
    #[codec(index = 1)]
    Polka(WirePolka),
    #[codec(index = 2)]
    SkipRound(WireRoundCertificate),
}

fn round_certificate_to_wire(c: &RoundCertificate<Ctx>) -> WireRoundCertificate {
    WireRoundCertificate {
        height: c.height.0,
        round: round_to_wire(c.round),
        skip: matches!(c.cert_type, RoundCertificateType::Skip),
        signatures: c
            .round_signatures
            .iter()
            .map(|s| WireRoundSignature {
                precommit: s.vote_type == VoteType::Precommit,
                value: value_to_wire(&s.value_id),
                address: s.address.0,
                signature: s.signature,
            })
            .collect(),
    }
}

fn round_certificate_from_wire(w: WireRoundCertificate) -> RoundCertificate<Ctx> {
    RoundCertificate {
        height: Height(w.height),
        round: round_from_wire(w.round),
        cert_type: if w.skip {
            RoundCertificateType::Skip
        } else {
            RoundCertificateType::Precommit
        },
        round_signatures: w
            .signatures
            .into_iter()
            .map(|s| RoundSignature {
                vote_type: if s.precommit {
                    VoteType::Precommit
                } else {
                    VoteType::Prevote
                },
                value_id: value_from_wire(s.value),
                address: Address(s.address),
                signature: s.signature,
            })
            .collect(),
    }
}

#[derive(Encode, Decode)]
enum WireStreamContent {
    #[codec(index = 0)]
    Data(Box<ProposalPart>),
    #[codec(index = 1)]
    Fin,
}

#[derive(Encode, Decode)]
struct WireStreamMessage {
    stream_id: Vec<u8>,
    sequence: u64,
    content: WireStreamContent,
}

#[derive(Encode, Decode)]
struct WireValidatorProof {
    public_key: Vec<u8>,
    peer_id: Vec<u8>,
    signature: Signature,
}

#[derive(Encode, Decode)]
struct WireProposedValue {
    height: u64,
    round: Option<u32>,
    valid_round: Option<u32>,
    proposer: PublicKey,
    value: Hash,
    valid: bool,
}

#[derive(Encode, Decode)]
struct WireStatus {
    peer_id: Vec<u8>,
    tip_height: u64,
    history_min_height: u64,
}

#[derive(Encode, Decode)]
struct WireRequest {
    from: u64,
    to: u64,
}

#[derive(Encode, Decode)]
struct WireCommitSignature {
    address: PublicKey,
    signature: Signature,
    extension: Option<Signature>,
}

#[derive(Encode, Decode)]
struct WireDecided {
    value_bytes: Vec<u8>,
    height: u64,
    round: Option<u32>,
    value: Hash,
    signatures: Vec<WireCommitSignature>,
}

#[derive(Encode, Decode)]
struct WireResponse {
    start_height: u64,
    values: Vec<WireDecided>,
}

fn decided_to_wire(d: &RawDecidedValue<Ctx>) -> WireDecided {
    let c = &d.certificate;
    WireDecided {
        value_bytes: d.value_bytes.to_vec(),
        height: c.height.0,
        round: round_to_wire(c.round),
        value: c.value_id.0,
        signatures: c
            .commit_signatures
            .iter()
            .map(|s| WireCommitSignature {
                address: s.address.0,
                signature: s.signature,
                extension: s.extension.as_ref().map(|e| e.signature),
            })
            .collect(),
    }
}

fn decided_from_wire(w: WireDecided) -> RawDecidedValue<Ctx> {
    let certificate = ExtendedCommitCertificate {
        height: Height(w.height),
        round: round_from_wire(w.round),
        value_id: BlockHash(w.value),
        commit_signatures: w
            .signatures
            .into_iter()
            .map(|s| ExtendedCommitSignature {
                address: Address(s.address),
                signature: s.signature,
                extension: s
                    .extension
                    .map(|signature| SignedMessage::new((), signature)),
            })
            .collect(),
    };
    RawDecidedValue::new(Bytes::from(w.value_bytes), certificate)
}

/// Implements `Codec<$ty>` through a wire type and two conversion functions.
macro_rules! wire_codec {
    ($ty:ty, $wire:ty, $what:literal, $to:expr, $from:expr) => {
        impl Codec<$ty> for ScaleCodec {
            type Error = CodecError;

            fn decode(&self, bytes: Bytes) -> Result<$ty, CodecError> {
                let wire: $wire = decode_strict($what, &bytes)?;
                ($from)(wire)
            }

            fn encode(&self, msg: &$ty) -> Result<Bytes, CodecError> {
                let wire: $wire = ($to)(msg);
                Ok(Bytes::from(wire.encode()))
            }
        }
    };
}

wire_codec!(
    ProposalPart,
    ProposalPart,
    "proposal part",
    |p: &ProposalPart| p.clone(),
    Ok
);

wire_codec!(
    StreamMessage<ProposalPart>,
    WireStreamMessage,
    "stream message",
    |m: &StreamMessage<ProposalPart>| WireStreamMessage {
        stream_id: m.stream_id.to_bytes().to_vec(),
        sequence: m.sequence,
        content: match &m.content {
            StreamContent::Data(part) => WireStreamContent::Data(Box::new(part.clone())),
            StreamContent::Fin => WireStreamContent::Fin,
        },
    },
    |w: WireStreamMessage| Ok(StreamMessage::new(
        StreamId::new(Bytes::from(w.stream_id)),
        w.sequence,
        match w.content {
            WireStreamContent::Data(part) => StreamContent::Data(*part),
            WireStreamContent::Fin => StreamContent::Fin,
        },
    ))
);

wire_codec!(
    SignedConsensusMsg<Ctx>,
    WireConsensusMsg,
    "consensus message",
    |m: &SignedConsensusMsg<Ctx>| match m {
        SignedConsensusMsg::Vote(v) => WireConsensusMsg::Vote(vote_to_wire(v)),
        SignedConsensusMsg::Proposal(p) => WireConsensusMsg::Proposal(proposal_to_wire(p)),
    },
    |w| Ok(match w {
        WireConsensusMsg::Vote(v) => SignedConsensusMsg::Vote(vote_from_wire(v)),
        WireConsensusMsg::Proposal(p) => SignedConsensusMsg::Proposal(proposal_from_wire(p)),
    })
);

wire_codec!(
    LivenessMsg<Ctx>,
    WireLiveness,
    "liveness message",
    |m: &LivenessMsg<Ctx>| match m {
        LivenessMsg::Vote(v) => WireLiveness::Vote(vote_to_wire(v)),
        LivenessMsg::PolkaCertificate(c) => WireLiveness::Polka(polka_to_wire(c)),
        LivenessMsg::SkipRoundCertificate(c) =>
            WireLiveness::SkipRound(round_certificate_to_wire(c)),
    },
    |w| Ok(match w {
        WireLiveness::Vote(v) => LivenessMsg::Vote(vote_from_wire(v)),
        WireLiveness::Polka(c) => LivenessMsg::PolkaCertificate(polka_from_wire(c)),
        WireLiveness::SkipRound(c) =>
            LivenessMsg::SkipRoundCertificate(round_certificate_from_wire(c)),
    })
);

wire_codec!(
    ValidatorProof<Ctx>,
    WireValidatorProof,
    "validator proof",
    |p: &ValidatorProof<Ctx>| WireValidatorProof {
        public_key: p.public_key.clone(),
        peer_id: p.peer_id.clone(),
        signature: p.signature,
    },
    |w: WireValidatorProof| Ok(ValidatorProof::new(w.public_key, w.peer_id, w.signature))
);

wire_codec!(
    ProposedValue<Ctx>,
    WireProposedValue,
    "proposed value",
    |v: &ProposedValue<Ctx>| WireProposedValue {
        height: v.height.0,
        round: round_to_wire(v.round),
        valid_round: round_to_wire(v.valid_round),
        proposer: v.proposer.0,
        value: v.value.0,
        valid: v.validity.is_valid(),
    },
    |w: WireProposedValue| Ok(ProposedValue {
        height: Height(w.height),
        round: round_from_wire(w.round),
        valid_round: round_from_wire(w.valid_round),
        proposer: Address(w.proposer),
        value: BlockHash(w.value),
        validity: Validity::from_bool(w.valid),
    })
);

wire_codec!(
    PolkaCertificate<Ctx>,
    WirePolka,
    "polka certificate",
    polka_to_wire,
    |w| Ok(polka_from_wire(w))
);

wire_codec!(
    Status<Ctx>,
    WireStatus,
    "sync status",
    |s: &Status<Ctx>| WireStatus {
        peer_id: s.peer_id.to_bytes(),
        tip_height: s.tip_height.0,
        history_min_height: s.history_min_height.0,
    },
    |w: WireStatus| Ok(Status {
        peer_id: PeerId::from_bytes(&w.peer_id).map_err(|_| CodecError::Invalid("peer id"))?,
        tip_height: Height(w.tip_height),
        history_min_height: Height(w.history_min_height),
    })
);

wire_codec!(
    Request<Ctx>,
    WireRequest,
    "sync request",
    |r: &Request<Ctx>| match r {
        Request::ValueRequest(v) => WireRequest {
            from: v.range.start().0,
            to: v.range.end().0
        },
    },
    |w: WireRequest| {
        if w.from > w.to {
            return Err(CodecError::Invalid("height range"));
        }
        Ok(Request::ValueRequest(ValueRequest::new(
            Height(w.from)..=Height(w.to),
        )))
    }
);

wire_codec!(
    Response<Ctx>,
    WireResponse,
    "sync response",
    |r: &Response<Ctx>| match r {
        Response::ValueResponse(v) => WireResponse {
            start_height: v.start_height.0,
            values: v.values.iter().map(decided_to_wire).collect(),
        },
    },
    |w: WireResponse| Ok(Response::ValueResponse(ValueResponse::new(
        Height(w.start_height),
        w.values.into_iter().map(decided_from_wire).collect(),
    )))
);

impl HasEncodedLen<Response<Ctx>> for ScaleCodec {
    fn encoded_len(&self, msg: &Response<Ctx>) -> Result<usize, CodecError> {
        Ok(self.encode(msg)?.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hengxin_primitives::Keypair;
    use malachite_app_channel::app::types::core::Context;

    fn roundtrip<T>(value: &T) -> T
    where
        ScaleCodec: Codec<T>,
        <ScaleCodec as Codec<T>>::Error: std::fmt::Debug,
    {
        let bytes = ScaleCodec.encode(value).unwrap();
        let mut trailing = bytes.to_vec();
        trailing.push(0);
        assert!(
            ScaleCodec.decode(Bytes::from(trailing)).is_err(),
            "trailing bytes are refused"
        );
        ScaleCodec.decode(bytes).unwrap()
    }

    #[test]
    fn consensus_messages_round_trip() {
        let ctx = Ctx {
            chain: Hash([1; 32]),
        };
        let key = Keypair::from_seed(&[5; 32]);
        let value = BlockHash(Hash([7; 32]));
        let vote = ctx.new_precommit(
            Height(3),
            Round::new(1),
            NilOrVal::Val(value),
            Address(key.public()),
        );
        let signed = SignedMessage::new(vote, key.sign(b"x"));
        let msg = SignedConsensusMsg::Vote(signed.clone());
        assert_eq!(roundtrip(&msg), msg);
        let nil = ctx.new_prevote(
            Height(3),
            Round::new(0),
            NilOrVal::Nil,
            Address(key.public()),
        );
        let msg = SignedConsensusMsg::Vote(SignedMessage::new(nil, key.sign(b"y")));
        assert_eq!(roundtrip(&msg), msg);
        let proposal = ctx.new_proposal(
            Height(3),
            Round::new(2),
            value,
            Round::Nil,
            Address(key.public()),
        );
        let msg = SignedConsensusMsg::Proposal(SignedMessage::new(proposal, key.sign(b"z")));
        assert_eq!(roundtrip(&msg), msg);
        let liveness = LivenessMsg::Vote(signed);
        assert_eq!(roundtrip(&liveness), liveness);
    }

    #[test]
    fn sync_messages_round_trip_and_backwards_ranges_are_refused() {
        let request = Request::ValueRequest(ValueRequest::new(Height(2)..=Height(9)));
        assert_eq!(roundtrip(&request), request);
        let bad = WireRequest { from: 9, to: 2 }.encode();
        assert!(Codec::<Request<Ctx>>::decode(&ScaleCodec, Bytes::from(bad)).is_err());
        let key = Keypair::from_seed(&[5; 32]);
        let certificate = ExtendedCommitCertificate {
            height: Height(4),
            round: Round::new(0),
            value_id: BlockHash(Hash([3; 32])),
            commit_signatures: vec![ExtendedCommitSignature {
                address: Address(key.public()),
                signature: key.sign(b"c"),
                extension: None,
            }],
        };
        let response = Response::ValueResponse(ValueResponse::new(
            Height(4),
            vec![RawDecidedValue::new(
                Bytes::from_static(b"block"),
                certificate,
            )],
        ));
        assert_eq!(roundtrip(&response), response);
    }
}
