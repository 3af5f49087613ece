//! The commands for the membership and the standards: labs, inspectors, businesses, validator
//! governance (regulators), and measurement standards (labs). Each signs one runtime call and
//! waits until it is finalized; the runtime checks who may do what.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_primitives::records::{
    Assessment, BusinessType, LabKind, ScopeEntry, StandardFields, StandardLevel, TraceSource,
};
use hengxin_primitives::{
    Category, CertNumber, CreditCode, LabCode, PublicKey, RegionCode, StandardId,
};
use hengxin_runtime::{Call, membership, standards};

use crate::{Failure, Outcome, execute, parse_date, text};
use hengxin_client::api::Client;

/// Who signs: every command here takes the signer's key file.
#[derive(Args)]
pub struct Signing {
    /// The signing key file (a regulator's, or for standards the owning lab's).
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
}

#[derive(Subcommand)]
pub enum LabCommand {
    /// Register a lab with its scope and first signing key (a regulator of its region).
    Register {
        #[command(flatten)]
        signing: Signing,
        /// Lab code (CQJL).
        #[arg(long)]
        code: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Home region (CQ, SC).
        #[arg(long)]
        region: String,
        /// statutory_verification (法定计量检定机构), authorized (授权计量技术机构) or
        /// cnas_calibration.
        #[arg(long)]
        kind: String,
        /// Scope entries, CATEGORY[:ITEM]@VALID-UNTIL (MEC:压力表@2030-12-31, THE@2030-12-31).
        #[arg(long = "scope", value_name = "ENTRY", required = true)]
        scope: Vec<String>,
        /// The lab's first signing key: a public key (64 hex) or a key file.
        #[arg(long, value_name = "KEY")]
        lab_key: String,
    },
    /// Replace a lab's scope.
    Scope {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// Scope entries, CATEGORY[:ITEM]@VALID-UNTIL.
        #[arg(long = "scope", value_name = "ENTRY", required = true)]
        scope: Vec<String>,
    },
    /// Suspend a lab: it cannot anchor until reinstated.
    Suspend {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Reinstate a suspended lab.
    Reinstate {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// A lab's signing keys.
    #[command(subcommand)]
    Key(LabKeyCommand),
}

#[derive(Subcommand)]
pub enum LabKeyCommand {
    /// Add a signing key to a lab.
    Add {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// The new key: a public key (64 hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
    },
    /// Retire a lab's key; with --compromised, say it leaked (certificates anchored before stay
    /// valid either way).
    Remove {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// The key: a public key (64 hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
        /// The key was compromised.
        #[arg(long)]
        compromised: bool,
    },
}

#[derive(Subcommand)]
pub enum InspectorCommand {
    /// Register an inspector of the regulator's region.
    Add {
        #[command(flatten)]
        signing: Signing,
        /// The inspector's key: a public key (64 hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
        /// Region.
        #[arg(long)]
        region: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// Remove an inspector.
    Remove {
        #[command(flatten)]
        signing: Signing,
        /// The inspector's key: a public key (64 hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
    },
}

#[derive(Subcommand)]
pub enum BusinessCommand {
    /// Register a business (a regulator of its region).
    Register {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码 (18 characters, check digit verified).
        credit_code: String,
        /// Registered name.
        #[arg(long)]
        name: String,
        /// Region.
        #[arg(long)]
        region: String,
        /// gas_station, market, optical_shop, hospital, supermarket, manufacturer, other.
        #[arg(long = "type", value_name = "TYPE")]
        business_type: String,
    },
    /// Show a registered business.
    Show {
        /// 统一社会信用代码.
        credit_code: String,
    },
}

#[derive(Subcommand)]
pub enum ValidatorCommand {
    /// Propose a new validator set (a regulator); every region must approve it.
    Propose {
        #[command(flatten)]
        signing: Signing,
        /// A validator, PUBLIC-KEY[:POWER] (power 1 by default) or a key file; repeat.
        #[arg(long = "validator", value_name = "KEY[:POWER]", required = true)]
        validators: Vec<String>,
    },
    /// Show the current and next validator sets and the latest proposal.
    Show,
    /// Approve a proposed validator set for the regulator's region.
    Approve {
        #[command(flatten)]
        signing: Signing,
        /// The proposal's id.
        id: u64,
    },
}

#[derive(Subcommand)]
pub enum StandardCommand {
    /// Register a measurement standard (计量标准) of a lab (national primaries: regulators).
    Register(Box<StandardArgs>),
    /// Record a renewed assessment certificate (计量标准考核证书).
    Renew {
        #[command(flatten)]
        signing: Signing,
        /// OWNER/CODE.
        standard: String,
        /// Assessment certificate number.
        #[arg(long)]
        assessment: String,
        /// Its issue date.
        #[arg(long, value_name = "DATE")]
        issued: String,
        /// Its last valid day (at most four years on).
        #[arg(long, value_name = "DATE")]
        valid_until: String,
    },
    /// Record a new traceability certificate of a standard: a ledger certificate LAB/NUMBER.
    Trace {
        #[command(flatten)]
        signing: Signing,
        /// OWNER/CODE.
        standard: String,
        /// The calibration certificate on this ledger, LAB/NUMBER.
        #[arg(long, value_name = "LAB/NUMBER")]
        certificate: String,
    },
}

#[derive(Args)]
pub struct StandardArgs {
    #[command(flatten)]
    signing: Signing,
    /// OWNER/CODE (CQJL/GZ-THE-001).
    standard: String,
    /// Name.
    #[arg(long)]
    name: String,
    /// Category code.
    #[arg(long)]
    category: String,
    /// national_primary, social_public, department_highest, enterprise_highest, working.
    #[arg(long)]
    level: String,
    /// Measuring range.
    #[arg(long, default_value = "")]
    range: String,
    /// Uncertainty, accuracy class or MPE.
    #[arg(long, default_value = "")]
    uncertainty: String,
    /// Assessment certificate number.
    #[arg(long)]
    assessment: String,
    /// Its issue date.
    #[arg(long, value_name = "DATE")]
    issued: String,
    /// Its last valid day.
    #[arg(long, value_name = "DATE")]
    valid_until: String,
    /// Its traceability certificate on this ledger, LAB/NUMBER (repeat, oldest first).
    #[arg(long = "trace", value_name = "LAB/NUMBER")]
    traces: Vec<String>,
}

fn usage(message: String) -> Failure {
    Failure::new(2, message)
}

/// One of `values` by its code.
fn by_code<T: Copy>(
    what: &str,
    text: &str,
    values: &[T],
    code: fn(T) -> &'static str,
) -> Result<T, Failure> {
    values
        .iter()
        .copied()
        .find(|v| code(*v) == text)
        .ok_or_else(|| {
            let known: Vec<_> = values.iter().map(|v| code(*v)).collect();
            usage(format!(
                "{what} `{text}` is unknown; use one of {}",
                known.join(", ")
            ))
        })
}

fn lab_code(text: &str) -> Result<LabCode, Failure> {
    LabCode::new(text).map_err(|e| usage(format!("lab code `{text}`: {e}")))
}

fn region(text: &str) -> Result<RegionCode, Failure> {
    RegionCode::new(text).map_err(|e| usage(format!("region `{text}`: {e}")))
}

/// A public key given as 64 hex digits, or as a key file (an encrypted one is not opened).
fn public_key(text: &str) -> Result<PublicKey, Failure> {
    if let Some(key) = PublicKey::from_hex(text) {
        return Ok(key);
    }
    let file = std::fs::read_to_string(text).map_err(|e| {
        usage(format!(
            "`{text}` is neither a public key (64 hex digits) nor a key file: {e}"
        ))
    })?;
    hengxin_client::keyfile::public_key(&file)
        .map_err(|e| Failure::new(1, format!("key file {text}: {e}")))
}

fn standard_id(text: &str) -> Result<StandardId, Failure> {
    let (owner, code) = text
        .split_once('/')
        .ok_or_else(|| usage(format!("standard `{text}` is not OWNER/CODE")))?;
    Ok(StandardId {
        owner: lab_code(owner)?,
        code: code
            .parse()
            .map_err(|e| usage(format!("standard code `{code}`: {e}")))?,
    })
}

fn ledger_trace(text: &str) -> Result<TraceSource, Failure> {
    let (lab, number) = text
        .split_once('/')
        .ok_or_else(|| usage(format!("`{text}` is not LAB/NUMBER")))?;
    let number: CertNumber = number
        .parse()
        .map_err(|e| usage(format!("certificate number `{number}`: {e}")))?;
    Ok(TraceSource::Ledger {
        lab: lab_code(lab)?,
        number,
    })
}

/// `CATEGORY[:ITEM]@VALID-UNTIL`.
fn scope_entry(entry: &str) -> Result<ScopeEntry, Failure> {
    let (head, until) = entry.rsplit_once('@').ok_or_else(|| {
        usage(format!(
            "scope `{entry}` is not CATEGORY[:ITEM]@VALID-UNTIL (e.g. MEC:压力表@2030-12-31)"
        ))
    })?;
    let (category, item) = match head.split_once(':') {
        Some((category, item)) => (category, Some(text("scope item", item)?)),
        None => (head, None),
    };
    Ok(ScopeEntry {
        category: Category::from_code(category)
            .ok_or_else(|| usage(format!("scope category `{category}` is unknown")))?,
        item,
        valid_until: parse_date("scope valid-until", until)?,
    })
}

fn assessment(number: &str, issued: &str, valid_until: &str) -> Result<Assessment, Failure> {
    Ok(Assessment {
        number: text("--assessment", number)?,
        issued: parse_date("--issued", issued)?,
        valid_until: parse_date("--valid-until", valid_until)?,
    })
}

/// Signs `call` with `signing`'s key, waits for finality, and says what was done.
fn submit(cli_json: bool, client: &Client, signing: &Signing, call: Call, done: String) -> Outcome {
    let (hash, height) = execute(client, &signing.key, call)?;
    if cli_json {
        crate::print_json(&serde_json::json!({
            "done": done,
            "transaction": hash.to_hex(),
            "height": height,
        }));
    } else {
        println!("{done} (height {height})");
    }
    Ok(())
}

const LAB_KINDS: [LabKind; 3] = [
    LabKind::StatutoryVerification,
    LabKind::Authorized,
    LabKind::CnasCalibration,
];
const BUSINESS_TYPES: [BusinessType; 7] = [
    BusinessType::GasStation,
    BusinessType::Market,
    BusinessType::OpticalShop,
    BusinessType::Hospital,
    BusinessType::Supermarket,
    BusinessType::Manufacturer,
    BusinessType::Other,
];
const LEVELS: [StandardLevel; 5] = [
    StandardLevel::NationalPrimary,
    StandardLevel::SocialPublic,
    StandardLevel::DepartmentHighest,
    StandardLevel::EnterpriseHighest,
    StandardLevel::Working,
];

pub fn lab(json: bool, client: &Client, command: &LabCommand) -> Outcome {
    let m = |call| Call::Membership(call);
    match command {
        LabCommand::Register {
            signing,
            code,
            name,
            region: home,
            kind,
            scope,
            lab_key,
        } => {
            let call = membership::Call::RegisterLab {
                code: lab_code(code)?,
                name: text("--name", name)?,
                region: region(home)?,
                kind: by_code("--kind", kind, &LAB_KINDS, LabKind::code)?,
                scope: scope
                    .iter()
                    .map(|s| scope_entry(s))
                    .collect::<Result<_, _>>()?,
                key: public_key(lab_key)?,
            };
            submit(
                json,
                client,
                signing,
                m(call),
                format!("registered lab {code}"),
            )
        }
        LabCommand::Scope {
            signing,
            lab,
            scope,
        } => {
            let call = membership::Call::SetLabScope {
                lab: lab_code(lab)?,
                scope: scope
                    .iter()
                    .map(|s| scope_entry(s))
                    .collect::<Result<_, _>>()?,
            };
            submit(
                json,
                client,
                signing,
                m(call),
                format!("set the scope of {lab}"),
            )
        }
        LabCommand::Suspend {
            signing,
            lab,
            reason,
        } => {
            let call = membership::Call::SuspendLab {
                lab: lab_code(lab)?,
                reason: text("--reason", reason)?,
            };
            submit(json, client, signing, m(call), format!("suspended {lab}"))
        }
        LabCommand::Reinstate {
            signing,
            lab,
            reason,
        } => {
            let call = membership::Call::ReinstateLab {
                lab: lab_code(lab)?,
                reason: text("--reason", reason)?,
            };
            submit(json, client, signing, m(call), format!("reinstated {lab}"))
        }
        LabCommand::Key(LabKeyCommand::Add {
            signing,
            lab,
            public_key: key,
        }) => {
            let key = public_key(key)?;
            let call = membership::Call::AddLabKey {
                lab: lab_code(lab)?,
                key,
            };
            submit(
                json,
                client,
                signing,
                m(call),
                format!("added key {key} to {lab}"),
            )
        }
        LabCommand::Key(LabKeyCommand::Remove {
            signing,
            lab,
            public_key: key,
            compromised,
        }) => {
            let key = public_key(key)?;
            let call = membership::Call::RemoveLabKey {
                lab: lab_code(lab)?,
                key,
                compromised: *compromised,
            };
            submit(
                json,
                client,
                signing,
                m(call),
                format!("removed key {key} from {lab}"),
            )
        }
    }
}

pub fn inspector(json: bool, client: &Client, command: &InspectorCommand) -> Outcome {
    match command {
        InspectorCommand::Add {
            signing,
            public_key: key,
            region: r,
            name,
        } => {
            let call = membership::Call::RegisterInspector {
                inspector: public_key(key)?,
                region: region(r)?,
                name: text("--name", name)?,
            };
            submit(
                json,
                client,
                signing,
                Call::Membership(call),
                format!("registered inspector {name}"),
            )
        }
        InspectorCommand::Remove {
            signing,
            public_key: key,
        } => {
            let key = public_key(key)?;
            let call = membership::Call::RemoveInspector { inspector: key };
            submit(
                json,
                client,
                signing,
                Call::Membership(call),
                format!("removed inspector {key}"),
            )
        }
    }
}

pub fn business(json: bool, client: &Client, command: &BusinessCommand) -> Outcome {
    match command {
        BusinessCommand::Register {
            signing,
            credit_code,
            name,
            region: r,
            business_type,
        } => {
            let code: CreditCode = credit_code
                .parse()
                .map_err(|e| usage(format!("credit code `{credit_code}`: {e}")))?;
            let call = membership::Call::RegisterBusiness {
                credit_code: code,
                name: text("--name", name)?,
                region: region(r)?,
                business_type: by_code(
                    "--type",
                    business_type,
                    &BUSINESS_TYPES,
                    BusinessType::code,
                )?,
            };
            submit(
                json,
                client,
                signing,
                Call::Membership(call),
                format!("registered business {credit_code}"),
            )
        }
        BusinessCommand::Show { credit_code } => {
            let code: CreditCode = credit_code
                .parse()
                .map_err(|e| usage(format!("credit code `{credit_code}`: {e}")))?;
            let value = client.get_json(&format!("/v1/businesses/{code}"))?;
            if json {
                crate::print_json(&value);
            } else {
                let field = |name: &str| value[name].as_str().unwrap_or_default().to_string();
                crate::print_table(&[
                    ("统一社会信用代码 credit code", field("credit_code")),
                    ("名称 name", field("name")),
                    ("地区 region", field("region")),
                    ("类型 type", field("business_type")),
                ]);
            }
            Ok(())
        }
    }
}

pub fn validator(json: bool, client: &Client, command: &ValidatorCommand) -> Outcome {
    match command {
        ValidatorCommand::Propose {
            signing,
            validators,
        } => {
            let validators = validators
                .iter()
                .map(|v| {
                    let (key, power) = match v.rsplit_once(':') {
                        Some((key, power)) if power.chars().all(|c| c.is_ascii_digit()) => (
                            key,
                            power
                                .parse()
                                .map_err(|_| usage(format!("validator power in `{v}`")))?,
                        ),
                        _ => (v.as_str(), 1),
                    };
                    Ok(Validator {
                        key: public_key(key)?,
                        power,
                    })
                })
                .collect::<Result<Vec<_>, Failure>>()?;
            let set = ValidatorSet::new(validators)
                .map_err(|e| usage(format!("the validator set is invalid: {e}")))?;
            let call = membership::Call::ProposeValidatorSet { validators: set };
            let (hash, height) = execute(client, &signing.key, Call::Membership(call))?;
            let proposal = client.get_json("/v1/validators")?["proposal"].clone();
            if json {
                crate::print_json(&serde_json::json!({
                    "proposal": proposal,
                    "transaction": hash.to_hex(),
                    "height": height,
                }));
            } else {
                println!(
                    "proposed validator set {} (height {height}), approved by {}; the other \
                     regions' regulators approve it with: hengxin validator approve --key KEY {}",
                    proposal["id"], proposal["approved_by"], proposal["id"]
                );
            }
            Ok(())
        }
        ValidatorCommand::Show => {
            let value = client.get_json("/v1/validators")?;
            if json {
                crate::print_json(&value);
                return Ok(());
            }
            let set = |v: &serde_json::Value| {
                v.as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        format!(
                            "{} ×{}",
                            v["public_key"].as_str().unwrap_or_default(),
                            v["power"]
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            println!("当前 current:\n{}", set(&value["current"]));
            if value["next"] != value["current"] {
                println!("下一个 next:\n{}", set(&value["next"]));
            }
            let proposal = &value["proposal"];
            if !proposal.is_null() {
                println!(
                    "提案 proposal {}: approved by {}, scheduled at {}\n{}",
                    proposal["id"],
                    proposal["approved_by"],
                    proposal["scheduled_height"],
                    set(&proposal["validators"])
                );
            }
            Ok(())
        }
        ValidatorCommand::Approve { signing, id } => {
            let call = membership::Call::ApproveValidatorSet { id: *id };
            submit(
                json,
                client,
                signing,
                Call::Membership(call),
                format!("approved validator set proposal {id}"),
            )
        }
    }
}

pub fn standard(json: bool, client: &Client, command: &StandardCommand) -> Outcome {
    let s = |call| Call::Standards(call);
    match command {
        StandardCommand::Register(args) => {
            let id = standard_id(&args.standard)?;
            let fields = StandardFields {
                id: id.clone(),
                name: text("--name", &args.name)?,
                category: Category::from_code(&args.category)
                    .ok_or_else(|| usage(format!("category `{}` is unknown", args.category)))?,
                level: by_code("--level", &args.level, &LEVELS, StandardLevel::code)?,
                range: text("--range", &args.range)?,
                uncertainty: text("--uncertainty", &args.uncertainty)?,
                assessment: assessment(&args.assessment, &args.issued, &args.valid_until)?,
                traces: args
                    .traces
                    .iter()
                    .map(|t| ledger_trace(t))
                    .collect::<Result<_, _>>()?,
            };
            let call = standards::Call::Register { standard: fields };
            submit(
                json,
                client,
                &args.signing,
                s(call),
                format!("registered standard {id}"),
            )
        }
        StandardCommand::Renew {
            signing,
            standard,
            assessment: number,
            issued,
            valid_until,
        } => {
            let call = standards::Call::RenewAssessment {
                id: standard_id(standard)?,
                assessment: assessment(number, issued, valid_until)?,
            };
            submit(
                json,
                client,
                signing,
                s(call),
                format!("renewed the assessment of {standard}"),
            )
        }
        StandardCommand::Trace {
            signing,
            standard,
            certificate,
        } => {
            let call = standards::Call::AddTrace {
                id: standard_id(standard)?,
                trace: ledger_trace(certificate)?,
            };
            submit(
                json,
                client,
                signing,
                s(call),
                format!("traced {standard} to {certificate}"),
            )
        }
    }
}
