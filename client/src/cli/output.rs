//! What commands print: aligned tables for people, JSON for scripts.

use serde::Serialize;

/// Prints `value` as pretty JSON.
pub fn print_json(value: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Rows as CSV on stdout, with a header line of the fields' names (nothing for no rows): the
/// form every list takes with `--csv`, for spreadsheets and regulators' own tools.
pub fn print_csv<T: Serialize>(rows: &[T]) -> super::exit::Outcome {
    let mut out = csv::Writer::from_writer(std::io::stdout());
    let failed = |e: csv::Error| super::exit::Failure::error(format!("writing CSV: {e}"));
    for row in rows {
        out.serialize(row).map_err(failed)?;
    }
    out.flush()
        .map_err(|e| super::exit::Failure::error(format!("writing CSV: {e}")))
}

/// After a list cut at `--limit`: says so on stderr, and how to get the rest.
pub fn note_more(more: bool, limit: usize) {
    if more {
        eprintln!(
            "（仅列出前 {limit} 项 · the first {limit} only: raise --limit, or narrow the list）"
        );
    }
}

/// Aligned `label  value` lines.
pub fn print_table(rows: &[(&str, String)]) {
    let width = rows
        .iter()
        .map(|(label, _)| display_width(label))
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        let pad = width - display_width(label);
        println!("{label}{}  {value}", " ".repeat(pad));
    }
}

/// A verifier's report (its own JSON text) as pretty JSON.
pub fn print_report_json(json: &str) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or(serde_json::Value::Null);
    print_json(&value);
}

/// A verification's steps, one a line: ✓ passed, ✗ failed, ℹ informative.
pub fn print_steps(steps: &[hengxin_verifier::Step]) {
    for step in steps {
        let mark = match step.ok {
            Some(true) => "✓",
            Some(false) => "✗",
            None => "ℹ",
        };
        println!("{mark} {}: {}", step.id.label(), step.detail);
    }
}

/// Terminal columns: CJK characters take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}
