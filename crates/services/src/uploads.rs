//! One module for every uploaded file (decisions.md D4): evidence now; photos, seal images and
//! documents as they come. A file is known by its content, never its name; it is decoded off the
//! async threads, a few at a time, within limits of bytes, pixels and pages set per kind; images
//! are decoded and encoded again, so what is kept holds pixels only (no EXIF, no location).

use crate::{ServiceError, ServiceResult};
use hongmajia_domain::ErrorCode;
use std::io::Cursor;

/// Files parsed at once (uploads and rosters alike): parsing is CPU and memory work, kept off the
/// async threads so that a large upload never stalls other requests, and bounded so that many
/// cannot add up.
static PARSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Runs `parse` on a blocking thread, at most two at a time; the permit goes with the parse, so
/// a client that hangs up does not free it while the parse goes on. `None` if it could not run.
pub(crate) async fn parse_off_thread<T: Send + 'static>(parse: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let permit = PARSING.acquire().await.ok()?;
    tokio::task::spawn_blocking(move || {
        let _parsing = permit;
        parse()
    })
    .await
    .ok()
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
    max_pages: usize,
}

impl UploadKind {
    const fn limits(self) -> Limits {
        match self {
            Self::Evidence => Limits {
                max_bytes: 10 * 1024 * 1024,
                // A phone's 50-megapixel photo of a sign sheet; a 3-page scan is plenty, 20 at most.
                max_pixels: 50_000_000,
                max_side: 12_000,
                max_pages: 20,
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

/// Checks an upload of `kind` off the async threads.
pub async fn check(kind: UploadKind, bytes: Vec<u8>) -> ServiceResult<Checked> {
    let field = kind.field();
    // The cheap refusals first, without a thread.
    if bytes.is_empty() {
        return Err(ServiceError::on(ErrorCode::EvidenceRequired, field));
    }
    if bytes.len() > kind.limits().max_bytes {
        return Err(ServiceError::on(ErrorCode::EvidenceTooLarge, field));
    }
    if FileType::of(&bytes).is_none() {
        return Err(ServiceError::on(ErrorCode::InvalidEvidenceType, field));
    }
    parse_off_thread(move || check_now(kind, &bytes))
        .await
        .unwrap_or_else(|| Err(ServiceError::on(ErrorCode::UnreadableUpload, field)))
}

/// The check itself, on the calling thread.
pub fn check_now(kind: UploadKind, bytes: &[u8]) -> ServiceResult<Checked> {
    let (limits, field) = (kind.limits(), kind.field());
    let refuse = |code| ServiceError::on(code, field);
    if bytes.is_empty() {
        return Err(refuse(ErrorCode::EvidenceRequired));
    }
    if bytes.len() > limits.max_bytes {
        return Err(refuse(ErrorCode::EvidenceTooLarge));
    }
    let file_type = FileType::of(bytes).ok_or_else(|| refuse(ErrorCode::InvalidEvidenceType))?;
    let bytes = match file_type {
        FileType::Png | FileType::Jpeg => reencoded(bytes, file_type, &limits).map_err(refuse)?,
        FileType::Pdf => {
            let pages = pdf_pages(bytes).ok_or_else(|| refuse(ErrorCode::UnreadableUpload))?;
            if pages == 0 || pages > limits.max_pages {
                return Err(refuse(ErrorCode::DocumentTooLong));
            }
            bytes.to_vec()
        }
    };
    Ok(Checked { file_type, bytes })
}

/// An image decoded within the limits and encoded again in its own format: only its pixels
/// survive, no metadata (EXIF, GPS) of the original.
fn reencoded(bytes: &[u8], file_type: FileType, limits: &Limits) -> Result<Vec<u8>, ErrorCode> {
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
    let decoded = reader.decode().map_err(|_| ErrorCode::UnreadableUpload)?;
    let mut out = Cursor::new(Vec::new());
    match file_type {
        FileType::Png => decoded.write_to(&mut out, image::ImageFormat::Png),
        _ => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85).encode_image(&decoded.to_rgb8()),
    }
    .map_err(|_| ErrorCode::UnreadableUpload)?;
    Ok(out.into_inner())
}

/// The number of pages of a PDF, if it can be read.
fn pdf_pages(bytes: &[u8]) -> Option<usize> {
    lopdf::Document::load_mem(bytes)
        .ok()
        .map(|document| document.get_pages().len())
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
    fn a_jpeg_loses_its_exif_and_location() {
        let image = image::RgbImage::from_pixel(16, 16, image::Rgb([10, 120, 40]));
        let mut plain = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new(&mut plain)
            .encode_image(&image)
            .unwrap();
        let plain = plain.into_inner();
        // An APP1 "Exif" segment right after the SOI marker, with a GPS-like payload.
        let payload = b"Exif\0\0GPSLatitude 35.6 GPSLongitude 111.3";
        let length = u16::try_from(payload.len() + 2).unwrap().to_be_bytes();
        let mut with_exif = plain[..2].to_vec();
        with_exif.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
        with_exif.extend_from_slice(payload);
        with_exif.extend_from_slice(&plain[2..]);
        let checked = check_now(UploadKind::Evidence, &with_exif).unwrap();
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
        assert_eq!(
            code(check_now(UploadKind::Evidence, b"%PDF-1.7 not really")),
            Some(ErrorCode::UnreadableUpload)
        );
        let big = vec![0xFF; 10 * 1024 * 1024 + 1];
        assert_eq!(
            code(check_now(UploadKind::Evidence, &big)),
            Some(ErrorCode::EvidenceTooLarge)
        );
    }

    #[test]
    fn a_pdf_is_kept_when_its_pages_are_within_the_limit() {
        let one = pdf_with_pages(1);
        assert_eq!(check_now(UploadKind::Evidence, &one).unwrap().file_type, FileType::Pdf);
        assert_eq!(
            code(check_now(UploadKind::Evidence, &pdf_with_pages(21))),
            Some(ErrorCode::DocumentTooLong)
        );
    }

    /// A minimal PDF of `pages` empty pages, made with lopdf.
    fn pdf_with_pages(pages: usize) -> Vec<u8> {
        use lopdf::{Document, Object, dictionary};
        let mut document = Document::with_version("1.5");
        let pages_id = document.new_object_id();
        let kids: Vec<Object> = (0..pages)
            .map(|_| {
                document
                    .add_object(dictionary! {"Type" => "Page", "Parent" => pages_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()]})
                    .into()
            })
            .collect();
        let count = i64::try_from(kids.len()).unwrap();
        document.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {"Type" => "Pages", "Kids" => kids, "Count" => count}),
        );
        let catalog = document.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
        document.trailer.set("Root", catalog);
        let mut out = Vec::new();
        document.save_to(&mut out).unwrap();
        out
    }
}
