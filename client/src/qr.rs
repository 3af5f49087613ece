//! The QR code printed on a certificate: the verify page's short URL,
//! `<verify-base>/verify?c=<lab>/<number>&h=<first 16 hex of the document hash>`, optionally with
//! a stapled proof `#p=<bundle>` for offline checks; written as PNG or SVG.

use std::path::Path;

use hengxin_primitives::{CertNumber, CreditCode, Hash, InstrumentId, LabCode};
use qrcode::{Color, EcLevel, QrCode};

use crate::api::percent_encode;

/// Pixels per QR module in a PNG.
const PNG_SCALE: usize = 8;
/// The quiet zone around the code, in modules (the standard asks for 4).
const QUIET: usize = 4;

/// Why no QR code was written.
#[derive(Debug, thiserror::Error)]
pub enum QrError {
    /// The URL does not fit a QR code.
    #[error(
        "the URL is {0} bytes, more than a QR code holds at this error correction; \
         leave out --offline (a stapled proof) or use a shorter --base"
    )]
    TooLong(usize),
    /// Neither `.png` nor `.svg`.
    #[error("write the QR code to a .png or .svg file")]
    Format,
    /// The PNG made does not decode back to the data (so it would not scan).
    #[error("the QR code made does not decode back to the URL; nothing written")]
    Unreadable,
    /// Writing failed.
    #[error("{0}")]
    Io(String),
}

/// The verify URL of a certificate.
pub fn verify_url(
    base: &str,
    lab: &LabCode,
    number: &CertNumber,
    document_hash: &Hash,
    stapled: Option<&str>,
) -> String {
    let hash = document_hash.to_hex();
    let mut url = format!(
        "{}/verify?c={}/{}&h={}",
        base.trim_end_matches('/'),
        percent_encode(lab.as_str()),
        percent_encode(number.as_str()),
        &hash[..16]
    );
    if let Some(bundle) = stapled {
        url.push_str("#p=");
        url.push_str(bundle);
    }
    url
}

/// The verify page's URL for a business (the sign on its wall): `<base>/verify?b=<credit code>`.
pub fn business_url(base: &str, credit_code: &CreditCode) -> String {
    format!(
        "{}/verify?b={}",
        base.trim_end_matches('/'),
        percent_encode(credit_code.as_str())
    )
}

/// The verify page's URL for an instrument (一器一码, the label on a nozzle or a scale):
/// `<base>/verify?i=<id>`.
pub fn instrument_url(base: &str, id: &InstrumentId) -> String {
    format!("{}/verify?i={id}", base.trim_end_matches('/'))
}

/// The QR code of `data`: medium error correction for a short URL (it survives a scuffed
/// print), low when a stapled proof makes it long.
fn encode(data: &str) -> Result<QrCode, QrError> {
    let level = if data.len() > 400 {
        EcLevel::L
    } else {
        EcLevel::M
    };
    QrCode::with_error_correction_level(data, level).map_err(|_| QrError::TooLong(data.len()))
}

/// The code's modules with the quiet zone, row by row: `true` is dark.
fn modules(code: &QrCode) -> (usize, Vec<bool>) {
    let width = code.width();
    let size = width + 2 * QUIET;
    let colors = code.to_colors();
    let mut out = vec![false; size * size];
    for y in 0..width {
        for x in 0..width {
            out[(y + QUIET) * size + x + QUIET] = colors[y * width + x] == Color::Dark;
        }
    }
    (size, out)
}

fn png(code: &QrCode) -> Result<Vec<u8>, QrError> {
    let (size, dark) = modules(code);
    let pixels = size * PNG_SCALE;
    let mut image = Vec::with_capacity(pixels * pixels);
    for y in 0..pixels {
        for x in 0..pixels {
            let on = dark[(y / PNG_SCALE) * size + x / PNG_SCALE];
            image.push(if on { 0u8 } else { 255u8 });
        }
    }
    let mut bytes = Vec::new();
    let side = u32::try_from(pixels).map_err(|_| QrError::TooLong(pixels))?;
    let mut encoder = png::Encoder::new(&mut bytes, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&image))
        .map_err(|e| QrError::Io(e.to_string()))?;
    Ok(bytes)
}

fn svg(code: &QrCode) -> String {
    let (size, dark) = modules(code);
    let mut path = String::new();
    for (i, on) in dark.iter().enumerate() {
        if *on {
            path.push_str(&format!("M{} {}h1v1h-1z", i % size, i / size));
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" \
         width=\"{px}\" height=\"{px}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>\n",
        px = size * PNG_SCALE
    )
}

/// Writes the QR code of `data` to `path` (`.png` or `.svg`); a PNG is decoded back first and
/// written only when it reads as `data`.
pub fn write(data: &str, path: &Path) -> Result<(), QrError> {
    let code = encode(data)?;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match extension.as_deref() {
        Some("png") => {
            let bytes = png(&code)?;
            if decode_png(&bytes).as_deref() != Some(data) {
                return Err(QrError::Unreadable);
            }
            bytes
        }
        Some("svg") => svg(&code).into_bytes(),
        _ => return Err(QrError::Format),
    };
    // Whole or not at all: a full disk leaves no half image to print.
    hengxin_primitives::files::write_atomic(path, bytes, false)
        .map_err(|e| QrError::Io(format!("writing {}: {e}", path.display())))
}

/// Decodes the QR code in a PNG this module wrote (or any greyscale/RGB PNG), for tests and for
/// checking a printed code.
pub fn decode_png(bytes: &[u8]) -> Option<String> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().ok()?;
    let mut buffer = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buffer).ok()?;
    let channels = info.color_type.samples();
    let (width, height) = (info.width as usize, info.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        buffer[(y * width + x) * channels]
    });
    let grids = image.detect_grids();
    let (_, content) = grids.first()?.decode().ok()?;
    Some(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_escape_the_number_and_carry_the_hash_prefix() {
        let url = verify_url(
            "http://127.0.0.1:8686/",
            &LabCode::new("CQJL").unwrap(),
            &"JD 2026/0001".parse().unwrap(),
            &Hash([0xab; 32]),
            None,
        );
        assert_eq!(
            url,
            "http://127.0.0.1:8686/verify?c=CQJL/JD%202026%2F0001&h=abababababababab"
        );
    }

    #[test]
    fn a_written_png_decodes_back_to_the_url() {
        let dir = tempfile::tempdir().unwrap();
        let url = "https://verify.example.cn/verify?c=CQJL/JD%202026%2F0001&h=0123456789abcdef";
        let path = dir.path().join("qr.png");
        write(url, &path).unwrap();
        assert_eq!(
            decode_png(&std::fs::read(&path).unwrap()).as_deref(),
            Some(url)
        );
        let svg = dir.path().join("qr.svg");
        write(url, &svg).unwrap();
        assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
        assert!(matches!(
            write(url, &dir.path().join("qr.gif")),
            Err(QrError::Format)
        ));
        assert!(matches!(
            write(&"x".repeat(5_000), &path),
            Err(QrError::TooLong(_))
        ));
    }
}
