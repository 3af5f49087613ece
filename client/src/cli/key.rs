//! `hengxin key`: make, show and import signing keys.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use hengxin_api_types::AccountView;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::keyfile;
use hengxin_primitives::records::Role;
use hengxin_primitives::{Hash, Keypair, PublicKey};

use super::context::Context;
use super::exit::{Failure, Outcome};
use super::keys::{getrandom, key_text, read_key_text, write_new};
use super::output::{print_json, print_table};

/// The key commands.
#[derive(Subcommand)]
pub enum KeyCommand {
    /// Make a new ed25519 key and write it to a key file (mode 0600).
    New {
        /// Where to write it (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt it with a passphrase (Argon2id + XChaCha20-Poly1305), asked for on the
        /// terminal or taken from HENGXIN_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
        /// The chain's cryptography: `ed25519-sha256`, or `sm2-sm3` for an SM2 key (国密)
        /// [default: the node's chain's; ed25519-sha256 when no node answers].
        #[arg(long, value_name = "SCHEME")]
        crypto: Option<Scheme>,
    },
    /// Show a key file's public key and, from the node, its role and next nonce.
    Show {
        /// The key file.
        file: PathBuf,
    },
    /// Write a key file for an existing secret key (64 hex digits, read from standard input:
    /// an ed25519 seed, or SM2's d).
    Import {
        /// Where to write it (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt it with a passphrase.
        #[arg(long)]
        encrypt: bool,
        /// The key's scheme: `ed25519-sha256` or `sm2-sm3` [default: the node's chain's;
        /// ed25519-sha256 when no node answers].
        #[arg(long, value_name = "SCHEME")]
        crypto: Option<Scheme>,
    },
}

/// Runs a key command.
pub fn run(ctx: &Context, command: &KeyCommand) -> Outcome {
    match command {
        KeyCommand::New {
            out,
            encrypt,
            crypto,
        } => new(ctx, out, *encrypt, scheme_for_new_key(ctx, *crypto)),
        KeyCommand::Import {
            out,
            encrypt,
            crypto,
        } => import(ctx, out, *encrypt, scheme_for_new_key(ctx, *crypto)),
        KeyCommand::Show { file } => show(ctx, file),
    }
}

/// The scheme of a new key: the one given, else the node's chain's, else (no node answering,
/// as on an offline machine) the default.
fn scheme_for_new_key(ctx: &Context, given: Option<Scheme>) -> Scheme {
    given.unwrap_or_else(|| ctx.scheme().unwrap_or_default())
}

fn new(ctx: &Context, out: &Path, encrypt: bool, scheme: Scheme) -> Outcome {
    let mut failed = None;
    let key = Keypair::generate(scheme, |secret| {
        if let Err(e) = getrandom(secret) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    write_new(out, &key_text(&key, encrypt)?, true)?;
    report(ctx, &key.public(), None, out);
    Ok(())
}

fn import(ctx: &Context, out: &Path, encrypt: bool, scheme: Scheme) -> Outcome {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Failure::error(format!("reading standard input: {e}")))?;
    let seed = Hash::from_hex(line.trim()).ok_or_else(|| {
        Failure::error("standard input must hold the secret key as 64 hex digits")
    })?;
    let key = Keypair::from_secret(scheme, &seed.0).ok_or_else(|| {
        Failure::error("the secret is not an SM2 secret: d must be between 1 and n − 2")
    })?;
    write_new(out, &key_text(&key, encrypt)?, true)?;
    report(ctx, &key.public(), None, out);
    Ok(())
}

fn show(ctx: &Context, file: &Path) -> Outcome {
    let public = keyfile::public_key(&read_key_text(file)?)
        .map_err(|e| Failure::error(format!("key file {}: {e}", file.display())))?;
    let account = ctx.client.account(&public).ok();
    report(ctx, &public, account, file);
    Ok(())
}

fn report(ctx: &Context, key: &PublicKey, account: Option<AccountView>, path: &Path) {
    if ctx.json {
        print_json(&serde_json::json!({
            "file": path.display().to_string(),
            "public_key": key,
            "role": account.as_ref().map(|a| a.role),
            "lab": account.as_ref().and_then(|a| a.lab.clone()),
            "region": account.as_ref().and_then(|a| a.region.clone()),
            "business": account.as_ref().and_then(|a| a.business.clone()),
            "nonce": account.as_ref().map(|a| a.nonce),
        }));
        return;
    }
    let mut rows = vec![
        ("文件 file", path.display().to_string()),
        ("公钥 public key", key.to_hex()),
        ("算法 scheme", key.scheme().key_name().to_string()),
    ];
    if let Some(account) = account {
        let role = match (
            account.role,
            &account.lab,
            &account.region,
            &account.business,
        ) {
            (Role::LabKey, Some(lab), _, _) => format!("lab key of {lab}"),
            (Role::Regulator, _, Some(region), _) => format!("regulator of {region}"),
            (Role::Inspector, _, Some(region), _) => format!("inspector of {region}"),
            (Role::Business, _, _, Some(code)) => format!("business key of {code}"),
            _ => "no role on this chain".into(),
        };
        rows.push(("角色 role", role));
        rows.push(("下一个 nonce", account.nonce.to_string()));
    }
    print_table(&rows);
}
