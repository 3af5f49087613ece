//! How a command fails: a message and the exit status it maps to, in one place.

use std::process::ExitCode;

use hengxin_client::api::ClientError;
use hengxin_client::trust::TrustError;
use hengxin_primitives::LabCode;
use hengxin_verifier::Verdict;

/// The exit status of a failed command (0 is success).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Exit {
    /// Any other error.
    Error = 1,
    /// Bad arguments.
    Usage = 2,
    /// A proof that does not hold, another chain, or not the anchored document.
    Tampered = 10,
    /// The certificate was revoked.
    Revoked = 11,
    /// The certificate was superseded.
    Superseded = 12,
    /// The certificate expired.
    Expired = 13,
    /// Not on the ledger.
    Unknown = 14,
    /// The node did not answer.
    Unreachable = 15,
    /// A signed DCC whose signature fails (DOMAIN.md §1): nothing was submitted.
    BadSignature = 16,
    /// An instrument that may not be used (unverified, overdue, failed or retired).
    MayNotBeUsed = 17,
}

impl Exit {
    /// The status a verification ends with (`None`: authentic, exit 0).
    pub fn of_verdict(verdict: Verdict) -> Option<Exit> {
        match verdict {
            Verdict::Authentic => None,
            Verdict::Revoked => Some(Exit::Revoked),
            Verdict::Superseded => Some(Exit::Superseded),
            Verdict::Expired => Some(Exit::Expired),
            Verdict::Unknown => Some(Exit::Unknown),
            Verdict::Tampered | Verdict::Error => Some(Exit::Tampered),
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A failure, with the exit status it maps to.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub exit: Exit,
    /// What went wrong and what to do.
    pub message: String,
}

impl Failure {
    /// A failure exiting with `exit`.
    pub fn new(exit: Exit, message: impl ToString) -> Failure {
        Failure {
            exit,
            message: message.to_string(),
        }
    }

    /// An ordinary error (exit 1).
    pub fn error(message: impl ToString) -> Failure {
        Failure::new(Exit::Error, message)
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl ToString) -> Failure {
        Failure::new(Exit::Usage, message)
    }

    /// A node that does not answer is exit 15; any other client error as usual.
    pub fn unreachable_or(e: ClientError) -> Failure {
        match e {
            ClientError::Unreachable { .. } => Failure::new(Exit::Unreachable, e),
            other => other.into(),
        }
    }
}

/// What a command ends with.
pub type Outcome = Result<(), Failure>;

/// A hint for the runtime's refusals a user can act on.
fn hint(e: &ClientError) -> &'static str {
    use hengxin_runtime::certificates::Error;
    let code = e.code();
    // The code does not depend on the variant's data.
    let key_not_active = LabCode::new("X").map(|lab| Error::KeyNotActive(lab).code());
    if code == Some(Error::NotLabKey.code()) {
        "\nhint: this key is not a lab's key; a regulator registers lab keys (membership)"
    } else if code.is_some() && code == key_not_active.ok() {
        "\nhint: the key was retired; sign with an active key of the lab"
    } else {
        ""
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        Failure::error(format!("{e}{}", hint(&e)))
    }
}

impl From<TrustError> for Failure {
    fn from(e: TrustError) -> Failure {
        match e {
            TrustError::Client(e) => Failure::unreachable_or(e),
            TrustError::OtherChain { .. } | TrustError::Inconsistent(_) => {
                Failure::new(Exit::Tampered, e)
            }
            other => Failure::error(other),
        }
    }
}
