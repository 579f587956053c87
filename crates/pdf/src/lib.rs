//! The certificate of service records (志愿服务记录证明; R-REC-10, R-CERT-OLD) as a PDF: the
//! volunteer's identity (masked ID number), the confirmed hours and every service and training,
//! the issuing unit, the number and date, and a QR code of the public verify page.
//!
//! Text is real text in an embedded, subset CJK font (a PDF text extractor reads it back); the
//! font comes from the system (Debian `fonts-noto-cjk`) or a configured path, never the repo.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use std::path::{Path, PathBuf};

/// Where Debian's `fonts-noto-cjk` puts the font, and its Simplified Chinese face.
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
pub const DEFAULT_FONT_INDEX: u32 = 2;

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const LINE: f32 = 17.0;
const QR_SIZE: f32 = 110.0;

/// The font certificates are written in, loaded once.
#[derive(Clone)]
pub struct CertificateFont {
    font: Font,
    /// The font file and face index again, for the shaper.
    bytes: std::sync::Arc<Vec<u8>>,
    index: u32,
}

impl CertificateFont {
    /// Loads the font at `path` (face `index`); a missing file says what to install.
    pub fn load(path: &Path, index: u32) -> anyhow::Result<Self> {
        let data = std::fs::read(path).map_err(|e| {
            anyhow::anyhow!(
                "the CJK font for certificates is missing ({}: {e}); install Debian's fonts-noto-cjk \
                 or set HONGMAJIA_CJK_FONT to a font file",
                path.display()
            )
        })?;
        let bytes = std::sync::Arc::new(data);
        let shared: std::sync::Arc<dyn AsRef<[u8]> + Send + Sync> = bytes.clone();
        let font = Font::new(shared.into(), index)
            .ok_or_else(|| anyhow::anyhow!("{} (face {index}) is not a usable font", path.display()))?;
        Ok(Self { font, bytes, index })
    }

    /// The font of `HONGMAJIA_CJK_FONT` (a path, optionally `path#index`) or the system default.
    pub fn from_environment() -> anyhow::Result<Self> {
        match std::env::var("HONGMAJIA_CJK_FONT") {
            Ok(value) if !value.trim().is_empty() => {
                let (path, index) = match value.rsplit_once('#') {
                    Some((path, index)) => (path.to_owned(), index.parse().unwrap_or(0)),
                    None => (value.clone(), 0),
                };
                Self::load(&PathBuf::from(path), index)
            }
            _ => Self::load(Path::new(DEFAULT_FONT_PATH), DEFAULT_FONT_INDEX),
        }
    }
}

/// One service or training line.
pub struct Line {
    pub title: String,
    pub date: String,
    pub hours: String,
    pub organizer: String,
}

/// Everything a certificate shows.
pub struct Certificate {
    pub number: String,
    pub issued_on: String,
    pub issuer: String,
    pub name: String,
    pub id_type: String,
    pub id_masked: String,
    pub volunteer_code: String,
    pub total_hours: String,
    pub services: Vec<Line>,
    pub trainings: Vec<Line>,
    pub verify_url: String,
}

/// Writes text onto pages, starting a new page when one is full.
struct Writer<'a> {
    document: &'a mut Document,
    font: &'a CertificateFont,
    pages: Vec<Vec<(f32, f32, f32, String)>>,
    y: f32,
}

impl Writer<'_> {
    fn text(&mut self, x: f32, size: f32, text: impl Into<String>) {
        if self.y + LINE > PAGE_HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
        let y = self.y;
        self.pages
            .last_mut()
            .expect("there is always a page")
            .push((x, y, size, text.into()));
    }

    fn line(&mut self, x: f32, size: f32, text: impl Into<String>) {
        self.text(x, size, text);
        self.y += size.max(LINE - 3.0) + 3.0;
    }

    fn gap(&mut self, height: f32) {
        self.y += height;
    }

    fn table(&mut self, heading: &str, lines: &[Line]) {
        self.line(MARGIN, 13.0, heading);
        if lines.is_empty() {
            self.line(MARGIN + 12.0, 10.0, "（无）");
            return;
        }
        let columns = [MARGIN, MARGIN + 74.0, MARGIN + 300.0, MARGIN + 350.0];
        for (x, head) in columns.iter().zip(["日期", "活动名称", "时长(小时)", "组织单位"]) {
            self.text(*x, 10.0, head);
        }
        self.gap(LINE);
        for l in lines {
            let cells = [
                l.date.clone(),
                clip(&l.title, 20),
                l.hours.clone(),
                clip(&l.organizer, 11),
            ];
            for (x, cell) in columns.iter().zip(cells) {
                self.text(*x, 10.0, cell);
            }
            self.gap(LINE);
        }
    }

    fn finish(self, qr: Option<&krilla::geom::Path>) -> anyhow::Result<()> {
        let count = self.pages.len();
        let face = rustybuzz::Face::from_slice(&self.font.bytes, self.font.index)
            .ok_or_else(|| anyhow::anyhow!("the certificate font cannot be shaped"))?;
        let upem = self.font.font.units_per_em();
        for (n, items) in self.pages.into_iter().enumerate() {
            let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).expect("A4 is a valid size");
            let mut page = self.document.start_page_with(settings);
            let mut surface = page.surface();
            surface.set_fill(Some(black()));
            for (x, y, size, text) in items {
                let glyphs = shape(&face, upem, &text);
                surface.draw_glyphs(
                    Point::from_xy(x, y + size),
                    &glyphs,
                    self.font.font.clone(),
                    &text,
                    size,
                    false,
                );
            }
            let footer = format!("第 {} 页 / 共 {} 页", n + 1, count);
            let glyphs = shape(&face, upem, &footer);
            let at = Point::from_xy(MARGIN, PAGE_HEIGHT - MARGIN / 2.0);
            surface.draw_glyphs(at, &glyphs, self.font.font.clone(), &footer, 9.0, false);
            if n == 0
                && let Some(path) = qr
            {
                surface.draw_path(path);
            }
            surface.finish();
            page.finish();
        }
        Ok(())
    }
}

/// Left-to-right shaping of one string with the face parsed once per certificate.
fn shape(face: &rustybuzz::Face<'_>, upem: f32, text: &str) -> Vec<KrillaGlyph> {
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    let output = rustybuzz::shape(face, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    (0..output.len())
        .map(|i| {
            let start = infos[i].cluster as usize;
            let end = infos[i + 1..]
                .iter()
                .map(|info| info.cluster as usize)
                .find(|&c| c != start)
                .unwrap_or(text.len());
            let p = positions[i];
            KrillaGlyph::new(
                GlyphId::new(infos[i].glyph_id),
                p.x_advance as f32 / upem,
                p.x_offset as f32 / upem,
                p.y_offset as f32 / upem,
                p.y_advance as f32 / upem,
                start..end,
                None,
            )
        })
        .collect()
}

fn black() -> Fill {
    Fill {
        paint: rgb::Color::new(0, 0, 0).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn clip(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        text.chars().take(chars - 1).chain(['…']).collect()
    }
}

/// The QR code of `url` as one vector path of its dark modules, with its top-left at `(x, y)`.
fn qr_path(url: &str, (x, y): (f32, f32), size: f32) -> anyhow::Result<krilla::geom::Path> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| anyhow::anyhow!("QR code of the verify URL: {e}"))?;
    let width = code.width();
    // A quiet zone of four modules on each side, as scanners expect.
    let module = size / (width + 8) as f32;
    let mut builder = PathBuilder::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            let (col, row) = ((i % width) as f32, (i / width) as f32);
            let rect = Rect::from_xywh(x + (col + 4.0) * module, y + (row + 4.0) * module, module, module)
                .ok_or_else(|| anyhow::anyhow!("a QR module has no size"))?;
            builder.push_rect(rect);
        }
    }
    builder
        .finish()
        .ok_or_else(|| anyhow::anyhow!("the QR code has no dark module"))
}

/// Renders a certificate.
pub fn render(font: &CertificateFont, c: &Certificate) -> anyhow::Result<Vec<u8>> {
    let mut document = Document::new();
    let mut w = Writer {
        document: &mut document,
        font,
        pages: vec![Vec::new()],
        y: MARGIN,
    };
    w.line(MARGIN + 150.0, 22.0, "志愿服务记录证明");
    w.gap(10.0);
    w.line(MARGIN, 10.0, format!("证明编号：{}", c.number));
    w.line(MARGIN, 10.0, format!("开具日期：{}", c.issued_on));
    w.gap(8.0);
    w.line(MARGIN, 13.0, "一、志愿者身份信息");
    w.line(MARGIN + 12.0, 11.0, format!("姓名：{}", c.name));
    w.line(MARGIN + 12.0, 11.0, format!("证件类型：{}", c.id_type));
    w.line(MARGIN + 12.0, 11.0, format!("证件号码：{}", c.id_masked));
    w.line(MARGIN + 12.0, 11.0, format!("志愿者编号：{}", c.volunteer_code));
    w.gap(8.0);
    w.line(MARGIN, 13.0, "二、志愿服务信息");
    w.line(
        MARGIN + 12.0,
        11.0,
        format!("累计志愿服务时长：{} 小时（仅计已确认的记录）", c.total_hours),
    );
    w.gap(4.0);
    w.table("服务记录", &c.services);
    w.gap(6.0);
    w.table("培训记录", &c.trainings);
    w.gap(10.0);
    w.line(MARGIN, 13.0, "三、开具单位");
    w.line(MARGIN + 12.0, 11.0, c.issuer.clone());
    w.gap(6.0);
    w.line(MARGIN, 13.0, "四、查验");
    w.line(
        MARGIN + 12.0,
        10.0,
        "本证明依据志愿服务记录如实开具，免费提供。扫描右上角二维码或访问以下网址查验真伪：",
    );
    w.line(MARGIN + 12.0, 10.0, c.verify_url.clone());
    let qr = qr_path(
        &c.verify_url,
        (PAGE_WIDTH - MARGIN - QR_SIZE + 20.0, MARGIN + 30.0),
        QR_SIZE,
    )?;
    w.finish(Some(&qr))?;
    document
        .finish()
        .map_err(|e| anyhow::anyhow!("writing the certificate PDF: {e:?}"))
}
