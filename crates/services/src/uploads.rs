//! One module for every uploaded file (decisions.md D4): evidence now; photos, seal images and
//! documents as they come. A file is known by its content, never its name, within a size limit
//! per kind. Images are decoded off the async threads, one kind's few at a time, within limits of
//! pixels read from the header before any decoding, turned upright and encoded again, so what is
//! kept holds pixels only (no EXIF, no location). PDFs are never parsed on the server (a crafted
//! one can take gigabytes and days of CPU to read): they are kept as sent and only ever sent back
//! as attachments.

use crate::{ServiceError, ServiceResult};
use hongmajia_domain::ErrorCode;
use std::io::Cursor;

/// Images decoded at once: decoding is CPU and memory work, kept off the async threads so that a
/// large upload never stalls other requests, and bounded so that many cannot add up (rosters have
/// their own bound).
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// How long an upload waits for its turn before it is refused as busy (503), so that waiting
/// requests, each holding its body, cannot pile up without end.
const WAIT_FOR_TURN: std::time::Duration = std::time::Duration::from_secs(20);

/// Runs `parse` on a blocking thread, at most as many at a time as `bound` allows; the permit
/// goes with the parse, so a client that hangs up does not free it while the parse goes on.
/// `Err(busy)` if no turn came within `WAIT_FOR_TURN`; `Ok(None)` if it could not run.
pub(crate) async fn parse_off_thread<T: Send + 'static>(
    bound: &'static tokio::sync::Semaphore,
    parse: impl FnOnce() -> T + Send + 'static,
) -> ServiceResult<Option<T>> {
    let permit = match tokio::time::timeout(WAIT_FOR_TURN, bound.acquire()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) => return Ok(None),
        Err(_) => return Err(ServiceError::rule(ErrorCode::Busy)),
    };
    Ok(tokio::task::spawn_blocking(move || {
        let _parsing = permit;
        parse()
    })
    .await
    .ok())
}

/// What an upload is for; each kind has its own limits and its own readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    /// A backfill's evidence (a photo of the paper sign sheet, a scan): seen by those who run
    /// the activity and those who review it.
    Evidence,
}

/// The file types we take, by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Png,
    Jpeg,
    Pdf,
}

impl FileType {
    pub fn of(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, ..] => Some(Self::Png),
            [0xFF, 0xD8, 0xFF, ..] => Some(Self::Jpeg),
            [b'%', b'P', b'D', b'F', b'-', ..] => Some(Self::Pdf),
            _ => None,
        }
    }

    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Pdf => "application/pdf",
        }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Pdf => "pdf",
        }
    }

    /// The type of a stored content type.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        [Self::Png, Self::Jpeg, Self::Pdf]
            .into_iter()
            .find(|t| t.content_type() == content_type)
    }
}

/// The limits of a kind.
struct Limits {
    max_bytes: usize,
    /// Width times height of an image, and the longest side.
    max_pixels: u64,
    max_side: u32,
}

impl UploadKind {
    const fn limits(self) -> Limits {
        match self {
            // A sign sheet reads well at 12 megapixels; a phone's 24-megapixel photo is taken,
            // anything larger is refused from its header (decoding costs about 12 bytes a pixel).
            Self::Evidence => Limits {
                max_bytes: 10 * 1024 * 1024,
                max_pixels: 24_000_000,
                max_side: 8_000,
            },
        }
    }

    /// The field forms and the API name the file by.
    const fn field(self) -> &'static str {
        match self {
            Self::Evidence => "evidence",
        }
    }
}

/// A stored file as it is sent back: a name of our own, its type, its bytes.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// An upload as it is kept: its type and the bytes to store (images encoded again).
#[derive(Debug, Clone)]
pub struct Checked {
    pub file_type: FileType,
    pub bytes: Vec<u8>,
}

/// Checks an upload of `kind`; an image is decoded off the async threads.
pub async fn check(kind: UploadKind, bytes: Vec<u8>) -> ServiceResult<Checked> {
    // The cheap refusals first, without a thread; a PDF is kept as sent (see the module's note).
    if known_type(kind, &bytes)? == FileType::Pdf {
        return Ok(Checked {
            file_type: FileType::Pdf,
            bytes,
        });
    }
    parse_off_thread(&DECODING, move || check_now(kind, &bytes))
        .await?
        .unwrap_or_else(|| Err(ServiceError::on(ErrorCode::UnreadableUpload, kind.field())))
}

/// The upload's type, if it is one the kind takes: not empty, not too large, known by content.
fn known_type(kind: UploadKind, bytes: &[u8]) -> ServiceResult<FileType> {
    let refuse = |code| ServiceError::on(code, kind.field());
    if bytes.is_empty() {
        return Err(refuse(ErrorCode::EvidenceRequired));
    }
    if bytes.len() > kind.limits().max_bytes {
        return Err(refuse(ErrorCode::EvidenceTooLarge));
    }
    FileType::of(bytes).ok_or_else(|| refuse(ErrorCode::InvalidEvidenceType))
}

/// The check itself, on the calling thread.
pub fn check_now(kind: UploadKind, bytes: &[u8]) -> ServiceResult<Checked> {
    let (limits, field) = (kind.limits(), kind.field());
    let refuse = |code| ServiceError::on(code, field);
    let file_type = known_type(kind, bytes)?;
    let bytes = match file_type {
        FileType::Png | FileType::Jpeg => reencoded(bytes, file_type, &limits).map_err(refuse)?,
        FileType::Pdf => bytes.to_vec(),
    };
    // Encoded again, a photo may grow past what the kind keeps.
    if bytes.len() > limits.max_bytes {
        return Err(refuse(ErrorCode::EvidenceTooLarge));
    }
    Ok(Checked { file_type, bytes })
}

/// Whether a stored image carries more than its pixels (EXIF, XMP, IPTC: where a phone writes the
/// place a photo was taken), read from its header only. A PDF is kept as sent and says no; a file
/// whose header cannot be read says yes, so that the full check looks at it.
pub fn carries_metadata(bytes: &[u8]) -> bool {
    use image::ImageDecoder;
    let format = match FileType::of(bytes) {
        Some(FileType::Png) => image::ImageFormat::Png,
        Some(FileType::Jpeg) => image::ImageFormat::Jpeg,
        Some(FileType::Pdf) | None => return false,
    };
    let Ok(mut decoder) = image::ImageReader::with_format(Cursor::new(bytes), format).into_decoder() else {
        return true;
    };
    !matches!(
        (decoder.exif_metadata(), decoder.xmp_metadata(), decoder.iptc_metadata()),
        (Ok(None), Ok(None), Ok(None))
    )
}

/// An image decoded within the limits, turned the way its EXIF says it was held, and encoded
/// again in its own format: only its pixels survive, no metadata (EXIF, GPS) of the original.
fn reencoded(bytes: &[u8], file_type: FileType, limits: &Limits) -> Result<Vec<u8>, ErrorCode> {
    use image::ImageDecoder;
    let format = match file_type {
        FileType::Png => image::ImageFormat::Png,
        _ => image::ImageFormat::Jpeg,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    // The size is read from the header before a pixel is decoded.
    let (width, height) = reader.into_dimensions().map_err(|_| ErrorCode::UnreadableUpload)?;
    if width.max(height) > limits.max_side || u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(ErrorCode::ImageTooLarge);
    }
    reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = image::Limits::default();
    decoder_limits.max_image_width = Some(limits.max_side);
    decoder_limits.max_image_height = Some(limits.max_side);
    decoder_limits.max_alloc = Some(limits.max_pixels * 4 + 64 * 1024 * 1024);
    reader.limits(decoder_limits);
    let unreadable = |error: image::ImageError| match error {
        image::ImageError::Limits(_) => ErrorCode::ImageTooLarge,
        _ => ErrorCode::UnreadableUpload,
    };
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut decoded = image::DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    decoded.apply_orientation(orientation);
    let mut out = Cursor::new(Vec::new());
    match file_type {
        FileType::Png => decoded.write_to(&mut out, image::ImageFormat::Png),
        _ => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&decoded.into_rgb8()),
    }
    .map_err(|_| ErrorCode::UnreadableUpload)?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    fn code(result: ServiceResult<Checked>) -> Option<ErrorCode> {
        result.err().and_then(|e| e.code())
    }

    #[test]
    fn an_image_is_known_by_its_content_and_kept_as_pixels_only() {
        let checked = check_now(UploadKind::Evidence, &png(40, 30)).unwrap();
        assert_eq!(checked.file_type, FileType::Png);
        let back = image::load_from_memory(&checked.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (40, 30));
    }

    #[test]
    fn only_an_image_with_metadata_needs_cleaning() {
        assert!(!carries_metadata(&png(4, 4)), "what we encode carries none");
        let cleaned = check_now(UploadKind::Evidence, &jpeg_with_location()).unwrap();
        assert!(!carries_metadata(&cleaned.bytes));
        assert!(carries_metadata(&jpeg_with_location()));
        assert!(
            carries_metadata(b"\xff\xd8\xff torn"),
            "an unreadable header is looked at fully"
        );
        assert!(!carries_metadata(b"%PDF-1.7 kept as sent"));
    }

    /// A JPEG with an APP1 "Exif" segment right after the SOI marker, with a GPS-like payload.
    fn jpeg_with_location() -> Vec<u8> {
        let image = image::RgbImage::from_pixel(16, 16, image::Rgb([10, 120, 40]));
        let mut plain = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new(&mut plain)
            .encode_image(&image)
            .unwrap();
        let plain = plain.into_inner();
        let payload = b"Exif\0\0GPSLatitude 35.6 GPSLongitude 111.3";
        let length = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&plain[2..]);
        with_exif
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_location() {
        let checked = check_now(UploadKind::Evidence, &jpeg_with_location()).unwrap();
        assert_eq!(checked.file_type, FileType::Jpeg);
        let kept = String::from_utf8_lossy(&checked.bytes);
        assert!(
            !kept.contains("Exif") && !kept.contains("GPSLatitude"),
            "the metadata is gone"
        );
    }

    /// PNG's CRC-32 (ISO 3309), bit by bit: only for building a test file.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = u32::MAX;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_huge_image_is_refused_from_its_header_before_it_is_decoded() {
        // A 1×1 PNG whose header claims 20,000 × 20,000 pixels: never decoded.
        let mut lying = png(1, 1);
        lying[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        lying[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        // The header's checksum (over its type and data) made right again.
        let crc = crc32(&lying[12..29]);
        lying[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            code(check_now(UploadKind::Evidence, &lying)),
            Some(ErrorCode::ImageTooLarge)
        );
    }

    #[test]
    fn other_files_damaged_ones_and_oversized_ones_are_refused_with_their_own_codes() {
        assert_eq!(
            code(check_now(UploadKind::Evidence, b"")),
            Some(ErrorCode::EvidenceRequired)
        );
        assert_eq!(
            code(check_now(UploadKind::Evidence, b"GIF89a....")),
            Some(ErrorCode::InvalidEvidenceType)
        );
        let mut truncated = png(50, 50);
        truncated.truncate(60);
        assert_eq!(
            code(check_now(UploadKind::Evidence, &truncated)),
            Some(ErrorCode::UnreadableUpload)
        );
        let big = vec![0xFF; 10 * 1024 * 1024 + 1];
        assert_eq!(
            code(check_now(UploadKind::Evidence, &big)),
            Some(ErrorCode::EvidenceTooLarge)
        );
    }

    /// A PDF is never parsed: a crafted one (here, an array of a million zeros) is kept as sent.
    #[test]
    fn a_pdf_is_kept_as_sent_without_being_read() {
        let mut crafted = b"%PDF-1.7
1 0 obj ["
            .to_vec();
        crafted.extend(std::iter::repeat_n(b"0 ".as_slice(), 1_000_000).flatten());
        crafted.extend_from_slice(
            b"] endobj
%%EOF",
        );
        let checked = check_now(UploadKind::Evidence, &crafted).unwrap();
        assert_eq!(checked.file_type, FileType::Pdf);
        assert_eq!(checked.bytes, crafted);
    }
}
