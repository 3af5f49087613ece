//! The bench's HTTP client: JSON reads, and submissions one at a time or in batches, each
//! transaction's answer classified as accepted, worth retrying, or refused.

use std::time::Duration;

use anyhow::{Context, bail};
use hengxin_api_types::{BatchSubmitted, ErrorBody, ErrorCode};
use parity_scale_codec::Encode;
use serde::de::DeserializeOwned;

/// What became of one submitted transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// Pooled.
    Accepted,
    /// Refused for now (full pool, busy account): send it again after a pause.
    Retry,
    /// Refused, with this error code.
    Refused(String),
}

/// An agent that returns error statuses as answers; one per thread keeps its connections.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent()
}

/// GETs `url` and reads its 200 answer as JSON.
pub fn get<T: DeserializeOwned>(agent: &ureq::Agent, url: &str) -> anyhow::Result<T> {
    serde_json::from_str(&get_text(agent, url)?).with_context(|| format!("the answer to GET {url}"))
}

/// GETs `url`: its 200 answer's text.
pub fn get_text(agent: &ureq::Agent, url: &str) -> anyhow::Result<String> {
    let mut response = agent
        .get(url)
        .call()
        .with_context(|| format!("GET {url}"))?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    if status != 200 {
        bail!("GET {url} answered {status}: {text}");
    }
    Ok(text)
}

/// Submits `txs` (each a SCALE-encoded signed transaction) to the node at `url`: with
/// `POST /v1/transactions/batch`, or when not `batched` (and `txs` is one transaction) with
/// `POST /v1/transactions`. An error means no answer (the connection failed or timed out).
pub fn submit(
    agent: &ureq::Agent,
    url: &str,
    txs: &[&[u8]],
    batched: bool,
) -> anyhow::Result<Vec<Answer>> {
    match txs {
        [tx] if !batched => submit_one(agent, url, tx).map(|answer| vec![answer]),
        _ => submit_batch(agent, url, txs),
    }
}

/// `POST /v1/transactions` with one transaction.
fn submit_one(agent: &ureq::Agent, url: &str, tx: &[u8]) -> anyhow::Result<Answer> {
    let (status, text) = post(agent, &format!("{url}/v1/transactions"), tx)?;
    Ok(match status {
        202 => Answer::Accepted,
        _ => refusal(status, &text),
    })
}

/// `POST /v1/transactions/batch` with `txs`, each answer in order.
fn submit_batch(agent: &ureq::Agent, url: &str, txs: &[&[u8]]) -> anyhow::Result<Vec<Answer>> {
    // A SCALE list of byte strings, as `Vec<Vec<u8>>` encodes.
    let body = txs.encode();
    let (status, text) = post(agent, &format!("{url}/v1/transactions/batch"), &body)?;
    if status != 200 {
        return Ok(vec![refusal(status, &text); txs.len()]);
    }
    let answer: BatchSubmitted =
        serde_json::from_str(&text).context("the answer to POST /v1/transactions/batch")?;
    if answer.results.len() != txs.len() {
        bail!(
            "a batch of {} transactions got {} results",
            txs.len(),
            answer.results.len()
        );
    }
    Ok(answer
        .results
        .into_iter()
        .map(|result| match (result.hash, result.error) {
            (Some(_), _) => Answer::Accepted,
            (None, Some(error)) if retryable(&error.code) => Answer::Retry,
            (None, Some(error)) => Answer::Refused(error.code),
            (None, None) => Answer::Refused("no_result".into()),
        })
        .collect())
}

/// POSTs `body` as `application/octet-stream`: the status and the answer's text.
fn post(agent: &ureq::Agent, url: &str, body: &[u8]) -> anyhow::Result<(u16, String)> {
    let mut response = agent
        .post(url)
        .header("content-type", "application/octet-stream")
        .send(body)
        .with_context(|| format!("POST {url}"))?;
    let status = response.status().as_u16();
    Ok((status, response.body_mut().read_to_string()?))
}

/// A refused request's answer: retry on 503 (full pool) and 429 (busy account, rate limit).
fn refusal(status: u16, text: &str) -> Answer {
    if matches!(status, 429 | 503) {
        return Answer::Retry;
    }
    match serde_json::from_str::<ErrorBody>(text) {
        Ok(body) => Answer::Refused(body.error.code),
        Err(_) => Answer::Refused(format!("http_{status}")),
    }
}

/// Whether a refusal inside a batch is one a single submission would answer 503 or 429.
fn retryable(code: &str) -> bool {
    [
        ErrorCode::MempoolFull,
        ErrorCode::AccountPoolFull,
        ErrorCode::RateLimited,
    ]
    .iter()
    .any(|c| c.code() == code)
}
