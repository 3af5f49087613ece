//! The traceability verdict in words, written once: the verify page (through the verifier),
//! `cert verify`, the API's `text` of each link and `cert chain` all print these.

use alloc::format;
use alloc::string::String;

use super::{LinkOutcome, LinkWord, TraceLink, TraceReport};
use crate::records::TraceSource;

impl TraceLink {
    /// The link as a reader reads it: the certificate and its calibration date, the standard
    /// used with its level, the certificate it traces through, and how the link ended.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}/{} ({})",
            self.certificate.lab, self.certificate.number, self.on
        );
        if let Some(standard) = &self.standard {
            line.push_str(&format!(" → {standard}"));
        }
        if let Some(level) = self.level {
            line.push_str(&format!(" [{}]", level.label()));
        }
        match &self.via {
            Some(TraceSource::Ledger { lab, number }) => {
                line.push_str(&format!(" ← {lab}/{number}"));
            }
            Some(TraceSource::External { issuer, number, .. }) => {
                line.push_str(&format!(" ← {issuer} {number}"));
            }
            None => {}
        }
        let word = self.outcome.word();
        let mark = if word == LinkWord::Broken {
            '✗'
        } else {
            '✓'
        };
        line.push_str(&format!(" {mark} {}", word.label()));
        if let LinkOutcome::Broken(problem) = &self.outcome {
            line.push_str(&format!(": {}", problem.sentence()));
        }
        line
    }
}

impl TraceReport {
    /// The verdict on the whole chain, with each broken link's problem.
    pub fn summary(&self) -> String {
        let links = self.links.len();
        if self.is_complete() {
            return format!(
                "溯源链完整 ({links} 环) · traceable to national standards ({links} links)"
            );
        }
        let mut text = String::from("溯源链不完整 · traceability incomplete: ");
        let mut problems = self.links.iter().filter_map(|l| match &l.outcome {
            LinkOutcome::Broken(p) => Some(p.sentence()),
            _ => None,
        });
        match problems.next() {
            None => text.push_str("没有溯源环节 · no links"),
            Some(first) => {
                text.push_str(&first);
                for p in problems {
                    text.push('；');
                    text.push_str(&p);
                }
            }
        }
        text
    }
}
