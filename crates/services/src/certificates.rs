//! Certificates of service records (R-REC-10, R-REC-11, R-CERT-OLD): issued at once and free from
//! the confirmed records, kept as what they certified (each record's version and minutes), so the
//! public verify page can say whether a record has since been corrected or revoked.

use crate::error::DbContext;
use crate::{ServiceError, ServiceResult, Services, authorize};
use hongmajia_domain::activity::ActivityKind;
use hongmajia_domain::certificate::CertificateNumber;
use hongmajia_domain::hours::hours_text;
use hongmajia_domain::person::mask_name;
use hongmajia_domain::record::RecordState;
use hongmajia_domain::{Action, Actor, ErrorCode, RecordId, RegionCode, RegionLevel};
use hongmajia_pdf::{Certificate, CertificateFont, Line};
use hongmajia_store::{Tx, records, sites, volunteers};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// What the public verify page shows: no personal data beyond the masked name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    pub certificate_number: String,
    pub holder: String,
    pub issuer: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub issued_at: OffsetDateTime,
    pub certified_hours: String,
    pub current_total_hours: String,
    pub records: i64,
    /// Records certified that were revoked since.
    pub revoked_records: i64,
    /// Records certified that were corrected since (a later version exists).
    pub corrected_records: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedCertificate {
    pub certificate_number: String,
    pub total_hours: String,
}

/// The calendar date in China (UTC+8), as certificates print dates.
fn china_date(at: OffsetDateTime) -> String {
    hongmajia_domain::calendar::china_day(at).to_string()
}

fn random_number() -> ServiceResult<CertificateNumber> {
    let mut bits = [0u8; 10];
    getrandom::fill(&mut bits).map_err(|e| anyhow::anyhow!("drawing a certificate number: {e}"))?;
    Ok(CertificateNumber::from_random(bits))
}

/// The unit that issues a volunteer's certificate: the practice center of their county (or city).
async fn issuer_of(tx: &mut Tx, region: &str) -> ServiceResult<String> {
    let region = RegionCode::parse(region).map_err(|e| anyhow::anyhow!("volunteer region: {e}"))?;
    for code in region.lineage() {
        if matches!(code.level(), RegionLevel::County | RegionLevel::City)
            && let Some(site) = sites::find_by_region(tx, code.as_str())
                .await
                .doing("finding the issuing site")?
        {
            return Ok(site.name);
        }
    }
    Ok("新时代文明实践志愿服务平台".to_owned())
}

/// A certificate by its number (malformed or unknown: not found) and its holder.
async fn certificate_and_holder(
    tx: &mut Tx,
    number: &str,
) -> ServiceResult<(CertificateNumber, records::CertificateRow, volunteers::VolunteerRow)> {
    let number = CertificateNumber::parse(number)?;
    let certificate = records::certificate(tx, number.as_str())
        .await
        .doing("finding the certificate")?
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
    let volunteer = volunteers::find(tx, certificate.volunteer_id)
        .await
        .doing("finding the holder")?
        .ok_or_else(|| ServiceError::rule(ErrorCode::NotFound))?;
    Ok((number, certificate, volunteer))
}

impl Services {
    fn certificate_font(&self) -> ServiceResult<CertificateFont> {
        let font = self
            .certificate_font
            .get_or_init(|| CertificateFont::from_environment().map_err(|e| format!("{e:#}")));
        font.clone().map_err(|e| ServiceError::Internal(anyhow::anyhow!(e)))
    }

    /// Issues the signed-in volunteer a certificate of all their confirmed records.
    pub async fn issue_certificate(&self, actor: &Actor) -> ServiceResult<IssuedCertificate> {
        let mut tx = self.db.begin().await.doing("starting the certificate")?;
        let volunteer = crate::volunteers::own_volunteer(&mut tx, actor).await?;
        let lines: Vec<records::CertifiedRecord> = records::records_of_volunteer(&mut tx, volunteer.id)
            .await
            .doing("reading the records")?
            .into_iter()
            .filter(|r| r.state.counts())
            .map(|r| records::CertifiedRecord {
                record: r.id,
                version: r.version,
                minutes: r.minutes,
            })
            .collect();
        let total: i64 = lines.iter().map(|l| l.minutes).sum();
        if total == 0 {
            return Err(ServiceError::rule(ErrorCode::NoConfirmedHours));
        }
        let issuer = issuer_of(&mut tx, &volunteer.region_code).await?;
        let number = random_number()?;
        let certificate = records::NewCertificate {
            number: number.as_str(),
            volunteer: volunteer.id,
            total_minutes: total,
            issuer: &issuer,
            lines: &lines,
            at: self.now(),
        };
        records::insert_certificate(&mut tx, &certificate)
            .await
            .doing("storing the certificate")?;
        tx.commit().await.doing("committing the certificate")?;
        Ok(IssuedCertificate {
            certificate_number: number.as_str().to_owned(),
            total_hours: hours_text(total),
        })
    }

    /// The PDF of a certificate, for its holder and the staff whose region covers the holder.
    /// `verify_base` is the public URL the QR code points under.
    pub async fn certificate_pdf(&self, actor: &Actor, number: &str, verify_base: &str) -> ServiceResult<Vec<u8>> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let (number, certificate, volunteer) = certificate_and_holder(&mut tx, number).await?;
        authorize(
            actor,
            Action::VolunteerView,
            &crate::volunteers::holder_target(&volunteer)?,
        )?;
        let certified = records::certificate_lines(&mut tx, number.as_str())
            .await
            .doing("reading the lines")?;
        let all = records::records_of_volunteer(&mut tx, volunteer.id)
            .await
            .doing("reading the records")?;
        drop(tx);
        let by_id: std::collections::HashMap<RecordId, &records::RecordLine> = all.iter().map(|r| (r.id, r)).collect();
        let (mut services, mut trainings) = (Vec::new(), Vec::new());
        for certified_line in &certified {
            let Some(r) = by_id.get(&certified_line.record_id) else {
                continue;
            };
            let line = Line {
                title: r.activity_title.clone(),
                date: china_date(r.starts_at),
                hours: hours_text(certified_line.minutes),
                organizer: r.organizer.clone(),
            };
            if r.activity_kind == ActivityKind::Training {
                trainings.push(line);
            } else {
                services.push(line);
            }
        }
        let id_type = hongmajia_domain::identity::IdType::parse(&volunteer.id_type)
            .map_or(volunteer.id_type.as_str(), |t| t.chinese_name());
        let content = Certificate {
            number: number.as_str().to_owned(),
            issued_on: china_date(certificate.issued_at),
            issuer: certificate.issuer,
            name: volunteer.name,
            id_type: id_type.to_owned(),
            id_masked: volunteer.id_masked,
            volunteer_code: volunteer.code,
            total_hours: hours_text(certificate.total_minutes),
            services,
            trainings,
            verify_url: format!("{}/verify/{}", verify_base.trim_end_matches('/'), number.as_str()),
        };
        let font = self.certificate_font()?;
        tokio::task::spawn_blocking(move || hongmajia_pdf::render(&font, &content))
            .await
            .map_err(|e| anyhow::anyhow!("rendering the certificate: {e}"))?
            .map_err(ServiceError::Internal)
    }

    /// The public check of a certificate number; unknown or malformed numbers are "not found".
    pub async fn verify_certificate(&self, number: &str) -> ServiceResult<Verification> {
        let mut tx = self.db.read().await.doing("starting a read")?;
        let (number, certificate, volunteer) = certificate_and_holder(&mut tx, number).await?;
        let current = volunteer.confirmed_minutes;
        let lines = records::certificate_lines(&mut tx, number.as_str())
            .await
            .doing("reading the lines")?;
        let revoked = lines.iter().filter(|l| l.state_now == RecordState::Revoked).count() as i64;
        let corrected = lines
            .iter()
            .filter(|l| l.state_now != RecordState::Revoked && l.version_now != l.version)
            .count() as i64;
        Ok(Verification {
            certificate_number: certificate.certificate_number,
            holder: mask_name(&volunteer.name),
            issuer: certificate.issuer,
            issued_at: certificate.issued_at,
            certified_hours: hours_text(certificate.total_minutes),
            current_total_hours: hours_text(current),
            records: lines.len() as i64,
            revoked_records: revoked,
            corrected_records: corrected,
        })
    }
}
