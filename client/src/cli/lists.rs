//! The list commands: `lab list`, `lab certificates`, `inspector list`, `business list`; each
//! prints a table for people (Chinese first), `--csv` for spreadsheets, `--json` for scripts.

use clap::Args;
use hengxin_api_types::{CertificateSummary, LabSummary};
use hengxin_primitives::WireWord;
use hengxin_primitives::words;

use super::context::Context;
use super::exit::{Failure, Outcome};
use super::output::{note_more, print_csv, print_json};
use super::parse;

/// The flags every list takes.
#[derive(Args, Debug, Clone)]
pub struct ListArgs {
    /// Print CSV (a header line, then one line a row) instead of a table.
    #[arg(long)]
    pub csv: bool,
    /// At most this many rows (the node serves 1,000 a page; the CLI reads page after page).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub limit: usize,
}

impl ListArgs {
    fn limit(&self) -> Result<usize, Failure> {
        match self.limit {
            1..=hengxin_client::lists::LIST_MAX => Ok(self.limit),
            _ => Err(Failure::usage(format!(
                "--limit is from 1 to {}",
                hengxin_client::lists::LIST_MAX
            ))),
        }
    }
}

/// `lab list`.
pub fn labs(ctx: &Context, region: Option<&str>, list: &ListArgs) -> Outcome {
    let region = region.map(parse::region).transpose()?;
    let (labs, more) = ctx.client.labs(region.as_ref(), list.limit()?)?;
    if ctx.json {
        print_json(&labs);
    } else if list.csv {
        print_csv(&labs)?;
    } else {
        for l in &labs {
            println!("{}", lab_line(l));
        }
        println!("{} 家机构 labs", labs.len());
    }
    note_more(more, list.limit);
    Ok(())
}

fn lab_line(l: &LabSummary) -> String {
    use hengxin_primitives::records::{LabKind, LabStatus};
    format!(
        "{:<8} {} · {} · {} · {} · 证书 {} certificates",
        l.code,
        l.name,
        l.region,
        label_of::<LabKind>(&l.kind),
        label_of::<LabStatus>(&l.status),
        l.certificates
    )
}

/// A wire word as people read it (`检定证书 Verification certificate`), or the code itself.
pub fn label_of<T: WireWord>(code: &str) -> String {
    T::from_code(code).map_or_else(|| code.to_owned(), |w| words::label(w.names(), w.code()))
}

/// `lab certificates LAB`.
pub fn lab_certificates(
    ctx: &Context,
    lab: &str,
    (from, to): (Option<&str>, Option<&str>),
    list: &ListArgs,
) -> Outcome {
    let lab = parse::lab_code(lab)?;
    let from = from.map(|d| parse::date("--from", d)).transpose()?;
    let to = to.map(|d| parse::date("--to", d)).transpose()?;
    let (certificates, more) = ctx
        .client
        .lab_certificates(&lab, (from, to), list.limit()?)?;
    if ctx.json {
        print_json(&certificates);
    } else if list.csv {
        print_csv(&certificates)?;
    } else {
        for c in &certificates {
            println!("{}", certificate_line(c));
        }
        println!("{} 份证书 certificates of {lab}", certificates.len());
    }
    note_more(more, list.limit);
    Ok(())
}

fn certificate_line(c: &CertificateSummary) -> String {
    let status = label_of::<hengxin_primitives::rules::CertificateState>(&c.status);
    format!(
        "{} · {} · {} {} · 签发 {} · 有效期至 {} · {}",
        c.number,
        status,
        c.instrument_name,
        c.serial,
        c.issue_date,
        c.valid_until.as_deref().unwrap_or("—"),
        c.instrument_id.as_deref().unwrap_or("")
    )
}

/// `inspector list --region R`.
pub fn inspectors(ctx: &Context, region: &str, list: &ListArgs) -> Outcome {
    let region = parse::region(region)?;
    let view = ctx.client.inspectors(&region)?;
    if ctx.json {
        print_json(&view);
    } else if list.csv {
        print_csv(&view.inspectors)?;
    } else {
        for i in &view.inspectors {
            let state = if i.active {
                "在岗 active"
            } else {
                "已移除 removed"
            };
            println!("{} · {} · {state}", i.name, i.key);
        }
        println!(
            "{} 名检查员 inspectors of {region} · height {}",
            view.inspectors.len(),
            view.height
        );
    }
    Ok(())
}

/// `business list --region R`.
pub fn businesses(
    ctx: &Context,
    region: &str,
    business_type: Option<&str>,
    list: &ListArgs,
) -> Outcome {
    let region = parse::region(region)?;
    let business_type = business_type.map(parse::business_type).transpose()?;
    let height = ctx.client.health()?.height;
    let mut view = ctx.client.businesses_at(&region, height)?;
    if let Some(t) = business_type {
        view.businesses.retain(|b| b.business_type == t);
    }
    let more = view.businesses.len() > list.limit()?;
    view.businesses.truncate(list.limit);
    if ctx.json {
        print_json(&view);
    } else if list.csv {
        print_csv(&view.businesses)?;
    } else {
        for b in &view.businesses {
            println!(
                "{} · {} · {} · 等级 {} ({})",
                b.credit_code,
                b.name,
                b.business_type.label(),
                b.grade,
                b.score
            );
        }
        println!(
            "{} 家经营者 businesses of {region} · graded on {} · height {}",
            view.businesses.len(),
            view.on,
            view.height
        );
    }
    note_more(more, list.limit);
    Ok(())
}
