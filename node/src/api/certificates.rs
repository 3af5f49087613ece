//! Certificates and their proof bundles.

use axum::extract::{Path, Query, State};
use hengxin_api_types::ErrorCode;
use hengxin_api_types::{BundleBody, CertificateView, DocumentView, ErrorBody, ProofQuery};
use hengxin_primitives::gather;
use hengxin_primitives::{CertNumber, Hash, LabCode};

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query::{self, Reader};

fn parse_certificate(lab: &str, number: &str) -> Result<(LabCode, CertNumber), ApiError> {
    let lab = LabCode::new(lab).map_err(|e| ApiError::bad_request(ErrorCode::InvalidLabCode, e))?;
    let number: CertNumber = number
        .parse()
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidCertificateNumber, e))?;
    Ok((lab, number))
}

fn certificate_not_found(lab: &LabCode, number: &CertNumber) -> ApiError {
    ApiError::not_found(
        ErrorCode::CertificateNotFound,
        format!("lab {lab} has anchored no certificate numbered {number:?}"),
    )
}

/// A certificate: its anchored fields, status on the chain's date, issuing lab, where it is
/// recognised, its traceability chain and its history.
#[utoipa::path(
    get,
    path = "/v1/certificates/{lab_code}/{number}",
    params(
        ("lab_code" = String, Path, description = "Issuing lab's code, e.g. CQJL"),
        ("number" = String, Path, description = "Certificate number, percent-encoded ('/' as %2F)")
    ),
    responses(
        (status = 200, body = CertificateView, description = "The certificate"),
        (status = 400, body = ErrorBody, description = "`invalid_lab_code`, `invalid_certificate_number`"),
        (status = 404, body = ErrorBody, description = "`certificate_not_found`")
    )
)]
pub async fn certificate(
    State(state): State<ApiState>,
    Path((lab, number)): Path<(String, String)>,
) -> ApiResult<CertificateView> {
    let (lab, number) = parse_certificate(&lab, &number)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    let store = state.submitter.store();
    query::certificate(&mut reader, store, &head, &lab, &number)?
        .map_or_else(|| Err(certificate_not_found(&lab, &number)), ok)
}

/// A proof bundle for a certificate: the finalized header and its commit, the validator-set
/// hand-offs from genesis, and state proofs of the certificate, its lab and (unless
/// `trace=false`) every record of its traceability chain (absences included).
#[utoipa::path(
    get,
    path = "/v1/certificates/{lab_code}/{number}/proof",
    params(
        ("lab_code" = String, Path, description = "Issuing lab's code"),
        ("number" = String, Path, description = "Certificate number, percent-encoded"),
        ProofQuery
    ),
    responses(
        (status = 200, body = BundleBody, description = "Also for an unknown certificate: the bundle then proves its absence"),
        (status = 400, body = ErrorBody, description = "`invalid_lab_code`, `invalid_certificate_number`, `unknown_validator_set`"),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`: only genesis exists")
    )
)]
pub async fn certificate_proof(
    State(state): State<ApiState>,
    Path((lab, number)): Path<(String, String)>,
    Query(options): Query<ProofQuery>,
) -> ApiResult<BundleBody> {
    let (lab, number) = parse_certificate(&lab, &number)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::read_certificate(&mut reader, &lab, &number, options.trace.unwrap_or(true))?;
    state.bundle(reader, &head, options.trust.as_deref())
}

fn parse_document_hash(hash: &str) -> Result<Hash, ApiError> {
    Hash::from_hex(hash).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidHash,
            "a document's hash is 64 hex digits: its SHA-256 (sha256sum FILE), or its SM3 on an \
             sm2-sm3 chain",
        )
    })
}

/// The certificate holding a document, by the chain's hash of its exact bytes: a document anchors
/// once, so at most one does.
#[utoipa::path(
    get,
    path = "/v1/documents/{sha256}",
    params(("sha256" = String, Path, description = "The chain's hash of the document's bytes (SHA-256; SM3 on an sm2-sm3 chain), 64 hex digits")),
    responses(
        (status = 200, body = DocumentView, description = "The certificate that holds it"),
        (status = 400, body = ErrorBody, description = "`invalid_hash`"),
        (status = 404, body = ErrorBody, description = "`document_not_found`: no certificate holds it")
    )
)]
pub async fn document(
    State(state): State<ApiState>,
    Path(hash): Path<String>,
) -> ApiResult<DocumentView> {
    let document_hash = parse_document_hash(&hash)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    match gather::document(&mut reader, &document_hash)? {
        Some(holder) => ok(DocumentView {
            lab_code: holder.lab,
            number: holder.number,
            document_hash,
            height: head.height,
        }),
        None => Err(ApiError::not_found(
            ErrorCode::DocumentNotFound,
            format!(
                "no certificate on the ledger holds the document {document_hash} \
                 (the SHA-256 of its exact bytes)"
            ),
        )),
    }
}

/// A proof bundle for a document: the certificate that holds it, proven as
/// `/v1/certificates/…/proof` proves it, or the proven absence of any.
#[utoipa::path(
    get,
    path = "/v1/documents/{sha256}/proof",
    params(
        ("sha256" = String, Path, description = "The chain's hash of the document's bytes (SHA-256; SM3 on an sm2-sm3 chain), 64 hex digits"),
        ProofQuery
    ),
    responses(
        (status = 200, body = BundleBody, description = "Also when no certificate holds it: the bundle then proves that"),
        (status = 400, body = ErrorBody, description = "`invalid_hash`, `unknown_validator_set`"),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`: only genesis exists")
    )
)]
pub async fn document_proof(
    State(state): State<ApiState>,
    Path(hash): Path<String>,
    Query(options): Query<ProofQuery>,
) -> ApiResult<BundleBody> {
    let document_hash = parse_document_hash(&hash)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    if let Some(holder) = gather::document(&mut reader, &document_hash)? {
        query::read_certificate(&mut reader, &holder.lab, &holder.number, true)?;
    }
    state.bundle(reader, &head, options.trust.as_deref())
}
