//! The body of every error answer.

use serde::{Deserialize, Serialize};

hengxin_primitives::wire_words! {
    /// The codes of the API's own refusals (a transaction the runtime refuses carries the
    /// runtime's code instead: `stale_nonce`, `certificates.not_in_scope`…).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum ErrorCode: "API error code" {
        /// 400: a block height that is not a whole number.
        InvalidHeight = "invalid_height",
        /// 400: an instrument id that is not REGION-NUMBER (`CQ-1`).
        InvalidInstrumentId = "invalid_instrument_id",
        /// 400: a division that is not a district's 6 digits.
        InvalidDivision = "invalid_division",
        /// 400: a malformed instrument class code.
        InvalidClass = "invalid_class",
        /// 400: an instrument status that is not one of the six.
        InvalidStatus = "invalid_status",
        /// 400: a number of days that is not a whole number from 0 to 3660.
        InvalidDays = "invalid_days",
        /// 400: a hash that is not 64 hex digits.
        InvalidHash = "invalid_hash",
        /// 400: a public key that is not one (64 hex digits ed25519, 130 beginning `04` SM2).
        InvalidPublicKey = "invalid_public_key",
        /// 400: a malformed lab code.
        InvalidLabCode = "invalid_lab_code",
        /// 400: a malformed certificate number.
        InvalidCertificateNumber = "invalid_certificate_number",
        /// 400: a malformed 统一社会信用代码 (or a wrong check digit).
        InvalidCreditCode = "invalid_credit_code",
        /// 400: a date that is not `YYYY-MM-DD`.
        InvalidDate = "invalid_date",
        /// 400: a region code that is malformed or missing.
        InvalidRegion = "invalid_region",
        /// 400: an unknown business type.
        InvalidBusinessType = "invalid_business_type",
        /// 400: a page size outside 1–1000.
        InvalidLimit = "invalid_limit",
        /// 400: a plan id that is not a whole number.
        InvalidPlanId = "invalid_plan_id",
        /// 400: the body is not a SCALE-encoded signed transaction.
        UndecodableTransaction = "undecodable_transaction",
        /// 400: a batch body is not a SCALE list of encoded transactions.
        UndecodableBatch = "undecodable_batch",
        /// 404: no such endpoint.
        NotFound = "not_found",
        /// 404: no block at that height.
        BlockNotFound = "block_not_found",
        /// 404: the node knows no such transaction.
        TransactionNotFound = "transaction_not_found",
        /// 404: no such certificate.
        CertificateNotFound = "certificate_not_found",
        /// 404: no certificate holds this document.
        DocumentNotFound = "document_not_found",
        /// 404: no such lab.
        LabNotFound = "lab_not_found",
        /// 404: no such business.
        BusinessNotFound = "business_not_found",
        /// 404: no such region.
        RegionNotFound = "region_not_found",
        /// 404: no such inspection plan.
        PlanNotFound = "plan_not_found",
        /// 404: no instrument has this id (`/v1/instruments/{id}/proof` proves the absence).
        InstrumentNotFound = "instrument_not_found",
        /// 409: the transaction is already in the pool.
        DuplicateTransaction = "duplicate_transaction",
        /// 409: another pooled transaction of the account has this nonce.
        NonceTaken = "nonce_taken",
        /// 413: the body is over the limit.
        BodyTooLarge = "body_too_large",
        /// 408: the request (its head or its body) did not arrive in time.
        RequestTimeout = "request_timeout",
        /// 429: the account has too many transactions waiting.
        AccountPoolFull = "account_pool_full",
        /// 429: too many requests from this address.
        RateLimited = "rate_limited",
        /// 500: the node's storage failed.
        StorageError = "storage_error",
        /// 503: the pool is full.
        MempoolFull = "mempool_full",
        /// 503: only genesis exists, so nothing can be proven yet.
        NothingFinalized = "nothing_finalized",
        /// 400: a proof asked from a validator set this chain never had (`?trust=`).
        UnknownValidatorSet = "unknown_validator_set",
        /// 400: a month that is not `YYYY-MM`.
        InvalidMonth = "invalid_month",
        /// 404: no such measurement standard.
        StandardNotFound = "standard_not_found",
        /// 503: the SQL index cannot answer now (off, being opened, or its database is down);
        /// the message says which. The chain itself is unaffected.
        IndexUnavailable = "index_unavailable",
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> String {
        code.code().into()
    }
}

impl ErrorDetail {
    /// Whether this is the API's refusal `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.code()
    }
}

/// The body of every error: `{"error": {"code", "message"}}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's stable code and a message for people.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, snake_case (`stale_nonce`, `certificates.not_in_scope`): match on this.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_the_contract_s() {
        let codes: Vec<_> = ErrorCode::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes.join(" "),
            "invalid_height invalid_instrument_id invalid_division invalid_class invalid_status \
             invalid_days invalid_hash invalid_public_key invalid_lab_code \
             invalid_certificate_number invalid_credit_code invalid_date invalid_region \
             invalid_business_type invalid_limit invalid_plan_id undecodable_transaction \
             undecodable_batch not_found block_not_found transaction_not_found certificate_not_found \
             document_not_found lab_not_found business_not_found region_not_found plan_not_found instrument_not_found duplicate_transaction nonce_taken body_too_large request_timeout account_pool_full rate_limited \
             storage_error mempool_full nothing_finalized unknown_validator_set invalid_month \
             standard_not_found index_unavailable"
        );
    }
}
