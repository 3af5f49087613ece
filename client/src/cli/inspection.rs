//! `hengxin inspection`: 双随机 random inspections. Regulators publish plans; inspectors
//! declare conflicts of interest and record results; anyone shows a plan's draw and recomputes
//! it from public data.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use hengxin_api_types::{PerGrade, PlanStatus, PlanView};
use hengxin_primitives::credit::Grade;
use hengxin_primitives::draw;
use hengxin_primitives::inspection::{DEFAULT_RATIOS, Outcome};
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::{Hash, WireWord};
use hengxin_runtime::{Call, inspection};

use super::context::{Context, Signing};
use super::exit::{Exit, Failure, Outcome as CommandOutcome};
use super::output::{print_json, print_table};
use super::parse::{self, word};

/// The inspection commands.
#[derive(Subcommand)]
pub enum InspectionCommand {
    /// Publish a random-inspection plan for your region (a regulator). It never changes; its
    /// draw is made once the block `--reveal-in` blocks after it is finalized. Prints the
    /// plan's id on its last line.
    Plan(Box<PlanArgs>),
    /// Declare a conflict of interest (回避) with a business (an inspector): no plan revealed
    /// later sends you to it.
    Conflict {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码 of the business.
        credit_code: String,
    },
    /// A plan's draw: the businesses drawn and their inspectors (anyone). With --recompute,
    /// recompute it from public data and exit 0 only when it equals the ledger's (10 when it
    /// differs).
    Draw {
        /// The plan's id.
        plan: u64,
        /// Recompute the draw from the plan, the reveal block's hash, the region's businesses
        /// and grades at the reveal height and the conflicts, all read through the public API.
        #[arg(long)]
        recompute: bool,
    },
    /// Record a target's result (an inspector drawn for it): `pass` makes a P1 credit record,
    /// a finding its V-record.
    Record {
        #[command(flatten)]
        signing: Signing,
        /// The plan's id.
        plan: u64,
        /// 统一社会信用代码 of the target.
        credit_code: String,
        /// pass, V1 V2 V3 V4 V5 V6.
        #[arg(value_parser = word::<Outcome>)]
        outcome: Outcome,
        /// The evidence (photos, a report…): its SHA-256 is recorded.
        #[arg(long, value_name = "FILE")]
        evidence: Option<PathBuf>,
    },
    /// Complete a target the draw left short (a regulator of the plan's region): assign
    /// active inspectors of the region who declared no conflict with the business, so that
    /// it has two. The assignment is public, shown with the plan.
    Assign {
        #[command(flatten)]
        signing: Signing,
        /// The plan's id.
        plan: u64,
        /// 统一社会信用代码 of the short target.
        credit_code: String,
        /// The inspectors assigned: public keys (hex) or key files.
        #[arg(required = true, value_name = "INSPECTOR")]
        inspectors: Vec<String>,
    },
    /// A plan: scope, pool, conflicts, draw and results (anyone).
    Show {
        /// The plan's id.
        plan: u64,
    },
    /// A region's plans (anyone).
    List {
        /// The region (CQ, SC).
        #[arg(long)]
        region: String,
    },
}

/// The flags of `inspection plan`.
#[derive(Args)]
pub struct PlanArgs {
    #[command(flatten)]
    signing: Signing,
    /// The region whose businesses it inspects (yours).
    #[arg(long)]
    region: String,
    /// The draw is seeded by the hash of the block this many blocks after the plan's (at
    /// least 2), which nobody knows when the plan is made.
    #[arg(long, value_name = "BLOCKS")]
    reveal_in: u64,
    /// The business types in scope, comma-separated (gas_station, market, optical_shop,
    /// hospital, supermarket, manufacturer, other) [default: every type].
    #[arg(long, value_name = "TYPES", value_delimiter = ',', value_parser = word::<BusinessType>)]
    types: Vec<BusinessType>,
    /// The share of each grade drawn, whole percent; grades left out keep the default.
    #[arg(long, value_name = "A=5,B=10,C=30,D=100")]
    ratio: Option<String>,
    /// The pool, comma-separated public keys or key files [default: every active inspector of
    /// the region].
    #[arg(long, value_name = "KEYS", value_delimiter = ',')]
    inspectors: Vec<String>,
}

/// Runs an inspection command.
pub fn run(ctx: &Context, command: &InspectionCommand) -> CommandOutcome {
    match command {
        InspectionCommand::Plan(args) => plan(ctx, args),
        InspectionCommand::Conflict {
            signing,
            credit_code,
        } => {
            let credit_code = parse::credit_code(credit_code)?;
            let done = format!("declared a conflict of interest with {credit_code}");
            let call = inspection::Call::DeclareConflict { credit_code };
            ctx.submit(&signing.key, Call::Inspection(call), done)
        }
        InspectionCommand::Draw { plan, recompute } => match recompute {
            true => recompute_draw(ctx, *plan),
            false => show(ctx, *plan, false),
        },
        InspectionCommand::Record {
            signing,
            plan,
            credit_code,
            outcome,
            evidence,
        } => {
            let credit_code = parse::credit_code(credit_code)?;
            let done = format!(
                "recorded {} for {credit_code} in plan {plan}",
                outcome.code()
            );
            let call = inspection::Call::RecordResult {
                plan: *plan,
                credit_code,
                outcome: *outcome,
                // No evidence file: the zero hash says so.
                evidence_hash: evidence
                    .as_deref()
                    .map(|path| ctx.file_hash(path))
                    .transpose()?
                    .unwrap_or(Hash::ZERO),
            };
            ctx.submit(&signing.key, Call::Inspection(call), done)
        }
        InspectionCommand::Assign {
            signing,
            plan,
            credit_code,
            inspectors,
        } => {
            let credit_code = parse::credit_code(credit_code)?;
            let inspectors = inspectors
                .iter()
                .map(|k| parse::public_key(k))
                .collect::<Result<Vec<_>, _>>()?;
            let done = format!(
                "assigned {} inspector(s) to {credit_code} in plan {plan}",
                inspectors.len()
            );
            let call = inspection::Call::Assign {
                plan: *plan,
                credit_code,
                inspectors,
            };
            ctx.submit(&signing.key, Call::Inspection(call), done)
        }
        InspectionCommand::Show { plan } => show(ctx, *plan, true),
        InspectionCommand::List { region } => list(ctx, region),
    }
}

/// `A=5,B=10,C=30,D=100`, any grades, the rest at their defaults.
fn ratios(text: Option<&str>) -> Result<[u8; 4], Failure> {
    let mut ratios = DEFAULT_RATIOS;
    for pair in text
        .into_iter()
        .flat_map(|t| t.split(','))
        .filter(|p| !p.is_empty())
    {
        let bad = || Failure::usage(format!("--ratio `{pair}` is not GRADE=PERCENT, e.g. D=100"));
        let (grade, percent) = pair.split_once('=').ok_or_else(bad)?;
        let grade = Grade::parse_word(grade.trim()).map_err(Failure::usage)?;
        let percent: u8 = percent
            .trim()
            .parse()
            .ok()
            .filter(|p| *p <= 100)
            .ok_or_else(bad)?;
        let index = Grade::ALL.iter().position(|g| *g == grade).unwrap_or(0);
        ratios[index] = percent;
    }
    Ok(ratios)
}

fn plan(ctx: &Context, args: &PlanArgs) -> CommandOutcome {
    let region = ctx.region(&args.region)?;
    let business_types = match args.types.is_empty() {
        true => BusinessType::ALL.to_vec(),
        false => args.types.clone(),
    };
    let inspectors = args
        .inspectors
        .iter()
        .map(|k| parse::public_key(k))
        .collect::<Result<Vec<_>, _>>()?;
    let signer = ctx.signer(&args.signing.key)?;
    let call = inspection::Call::Plan {
        region: region.clone(),
        business_types,
        ratios: ratios(args.ratio.as_deref())?,
        inspectors,
        reveal_in: args.reveal_in,
    };
    let (hash, height) = ctx.execute_with(&signer, Call::Inspection(call))?;
    let me = signer.key().public();
    let plan = ctx
        .client
        .plans(&region)?
        .plans
        .into_iter()
        .filter(|p| p.created_height == height && p.created_by == me)
        .max_by_key(|p| p.plan_id)
        .ok_or_else(|| Failure::error("the node lists no such plan after it was finalized"))?;
    if ctx.json {
        print_json(&serde_json::json!({
            "plan_id": plan.plan_id,
            "reveal_height": plan.reveal_height,
            "transaction": hash,
            "height": height,
        }));
    } else {
        println!(
            "已发布于高度 {height}，区块 {} 终局后抽取{} · published at height {height}, drawn \
             once block {} is finalized: hengxin inspection draw {}",
            plan.reveal_height,
            expected_at(ctx, plan.reveal_height)
                .map(|t| format!("（预计 {t}）"))
                .unwrap_or_default(),
            plan.reveal_height,
            plan.plan_id
        );
        println!("{}", plan.plan_id);
    }
    Ok(())
}

fn fetch_plan(ctx: &Context, id: u64) -> Result<PlanView, Failure> {
    ctx.client
        .plan(id)?
        .ok_or_else(|| Failure::new(Exit::Unknown, format!("there is no plan {id}")))
}

/// When block `height` should be finalized, in Beijing time, at the pace of the last hundred
/// blocks (`None` when it is finalized already or the pace cannot be read).
fn expected_at(ctx: &Context, height: u64) -> Option<String> {
    let head = ctx.client.health().ok()?.height;
    if height <= head || head == 0 {
        return None;
    }
    let back = head.saturating_sub(100).max(1);
    let newest = ctx.client.block(head).ok()??.timestamp_ms;
    let oldest = ctx.client.block(back).ok()??.timestamp_ms;
    let pace = newest.saturating_sub(oldest) / (head - back).max(1);
    let at = newest.saturating_add(pace.saturating_mul(height - head));
    Some(format!(
        "{} 北京时间, at the last {} blocks' pace",
        hengxin_primitives::time::beijing_time(at),
        head - back
    ))
}

fn grades(per: &PerGrade) -> String {
    let v = per.values();
    format!("A {} · B {} · C {} · D {}", v[0], v[1], v[2], v[3])
}

fn show(ctx: &Context, id: u64, details: bool) -> CommandOutcome {
    let view = fetch_plan(ctx, id)?;
    if ctx.json {
        print_json(&view);
        return Ok(());
    }
    let types: Vec<String> = view.business_types.iter().map(|t| t.label()).collect();
    let reveal = match (view.status, expected_at(ctx, view.reveal_height)) {
        (PlanStatus::Waiting, Some(at)) => {
            format!("区块 block {}（预计 expected {at}）", view.reveal_height)
        }
        _ => format!("区块 block {}", view.reveal_height),
    };
    let mut rows = vec![
        ("计划 plan", view.plan_id.to_string()),
        ("地区 region", view.region.to_string()),
        ("对象类型 types", types.join("、")),
        ("抽查比例 ratios %", grades(&view.ratios)),
        ("揭晓 reveal", reveal),
        ("状态 status", view.status.label()),
    ];
    if let (Some(seed), Some(on), Some(in_scope)) = (view.seed, view.on, view.in_scope) {
        rows.push(("种子 seed", seed.to_hex()));
        rows.push(("评级日期 graded on", on.to_string()));
        rows.push(("范围内 in scope", grades(&in_scope)));
    }
    if details {
        rows.push(("检查员 inspectors", view.inspectors.len().to_string()));
        rows.push(("回避 conflicts", view.conflicts.len().to_string()));
        rows.push(("结果 results", view.results.len().to_string()));
    }
    print_table(&rows);
    if view.status == PlanStatus::Waiting {
        println!(
            "区块 {} 终局前不抽取 · no draw before block {} is finalized",
            view.reveal_height, view.reveal_height
        );
    }
    let named =
        |key: &hengxin_primitives::PublicKey| match view.names.iter().find(|n| n.key == *key) {
            Some(n) => format!("{} {}", n.name, key.to_hex()),
            None => key.to_hex(),
        };
    for t in &view.targets {
        let mut inspectors: Vec<String> = t.inspectors.iter().map(named).collect();
        inspectors.extend(
            t.assigned
                .iter()
                .map(|a| format!("{} (指派 assigned)", named(&a.inspector))),
        );
        let short = match (t.short, t.assigned.is_empty()) {
            (true, true) => "  (检查人员不足 short of inspectors: hengxin inspection assign)",
            (true, false) => "  (已指派补足 completed by assignment)",
            (false, _) => "",
        };
        let result = view
            .results
            .iter()
            .find(|r| r.credit_code == t.credit_code)
            .map_or_else(String::new, |r| format!("  → {}", r.outcome.code()));
        println!(
            "{}  {}  {}{short}{result}",
            t.grade.code(),
            t.credit_code,
            inspectors.join(" ")
        );
    }
    Ok(())
}

fn list(ctx: &Context, region: &str) -> CommandOutcome {
    let view = ctx.client.plans(&parse::region(region)?)?;
    if ctx.json {
        print_json(&view);
        return Ok(());
    }
    if view.plans.is_empty() {
        println!("无计划 no plans");
    }
    for p in &view.plans {
        let types: Vec<String> = p.business_types.iter().map(|t| t.label()).collect();
        println!(
            "{:>4}  {}  揭晓区块 reveal {}  {}  {}",
            p.plan_id,
            p.status.label(),
            p.reveal_height,
            grades(&p.ratios),
            types.join("、")
        );
    }
    Ok(())
}

/// Recomputes plan `id`'s draw from public data alone and compares it with the ledger's.
fn recompute_draw(ctx: &Context, id: u64) -> CommandOutcome {
    let view = fetch_plan(ctx, id)?;
    let (Some(seed), Some(block_hash), Some(on), Some(in_scope)) =
        (view.seed, view.block_hash, view.on, view.in_scope)
    else {
        let head = ctx.client.health()?.height;
        return Err(Failure::error(format!(
            "plan {id} is not drawn yet: its reveal block is {}, the chain is at {head}; retry \
             once block {} is finalized",
            view.reveal_height,
            view.reveal_height + 1
        )));
    };
    let mut differences = Vec::new();
    let block = ctx
        .client
        .block(view.reveal_height)?
        .ok_or_else(|| Failure::error(format!("the node has no block {}", view.reveal_height)))?;
    // The scheme only picks the hash; a wrong one gives another draw, which the comparison shows.
    let scheme = ctx.scheme()?;
    let recomputed_seed = draw::seed(scheme, id, &block.hash);
    if block.hash != block_hash || recomputed_seed != seed {
        differences.push(format!(
            "seed: the ledger says {seed}, block {}'s hash {} gives {recomputed_seed}",
            view.reveal_height, block.hash
        ));
    }
    let list = ctx.client.businesses_at(&view.region, view.reveal_height)?;
    if list.on != on {
        differences.push(format!(
            "grading date: the plan says {on}, the list {}",
            list.on
        ));
    }
    let scope: Vec<_> = list
        .businesses
        .into_iter()
        .filter(|b| draw::in_scope(&view.business_types, b.business_type))
        .map(|b| (b.credit_code, b.grade))
        .collect();
    let counts = draw::count_by_grade(&scope);
    if counts != in_scope.values() {
        differences.push(format!(
            "in scope: the ledger counts {}, the public list {}",
            grades(&in_scope),
            grades(&PerGrade::new(counts))
        ));
    }
    let ratios = view
        .ratios
        .values()
        .map(|r| u8::try_from(r).unwrap_or(u8::MAX));
    let conflicts: Vec<_> = view
        .conflicts
        .iter()
        .map(|c| (c.inspector, c.credit_code.clone()))
        .collect();
    let targets = draw::draw(
        scheme,
        &recomputed_seed,
        &scope,
        &ratios,
        &view.inspectors,
        &conflicts,
    );
    let ledger: Vec<draw::Target> = view
        .targets
        .iter()
        .map(|t| draw::Target {
            credit_code: t.credit_code.clone(),
            grade: t.grade,
            inspectors: t.inspectors.clone(),
            short: t.short,
        })
        .collect();
    if targets != ledger {
        differences.push(target_difference(&ledger, &targets));
    }
    report(ctx, id, targets.len(), &differences)
}

/// The first target where the ledger's draw and the recomputed one part.
fn target_difference(ledger: &[draw::Target], recomputed: &[draw::Target]) -> String {
    let describe = |t: Option<&draw::Target>| {
        t.map_or_else(
            || "nothing".to_string(),
            |t| {
                format!(
                    "{} {} ({} inspectors)",
                    t.grade.code(),
                    t.credit_code,
                    t.inspectors.len()
                )
            },
        )
    };
    let at = (0..ledger.len().max(recomputed.len()))
        .find(|i| ledger.get(*i) != recomputed.get(*i))
        .unwrap_or(0);
    format!(
        "targets: {} on the ledger, {} recomputed; #{} is {} on the ledger, {} recomputed",
        ledger.len(),
        recomputed.len(),
        at + 1,
        describe(ledger.get(at)),
        describe(recomputed.get(at))
    )
}

fn report(ctx: &Context, id: u64, targets: usize, differences: &[String]) -> CommandOutcome {
    if ctx.json {
        print_json(&serde_json::json!({
            "plan_id": id,
            "equal": differences.is_empty(),
            "targets": targets,
            "differences": differences,
        }));
    } else if differences.is_empty() {
        println!(
            "计划 {id}：由公开数据重算的抽取结果与链上一致（{targets} 个对象）· plan {id}: the \
             draw recomputed from public data equals the ledger's ({targets} targets)"
        );
    }
    if differences.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        Exit::Tampered,
        format!(
            "plan {id}: the draw recomputed from public data differs from the ledger's:\n  {}",
            differences.join("\n  ")
        ),
    ))
}
