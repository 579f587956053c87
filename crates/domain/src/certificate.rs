//! Certificate numbers (R-REC-11: certificates are verifiable; the contract: unguessable, at least
//! 64 random bits, with a check character). 80 random bits written as 16 characters of Crockford's
//! base-32 alphabet (no I, L, O, U: nothing to misread), then a Luhn mod 32 check character, which
//! catches every single wrong character and every swap of two neighbours except 0Z ↔ Z0
//! (Luhn's one blind spot).

use crate::{DomainError, ErrorCode};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateNumber(String);

impl CertificateNumber {
    /// The number for 80 random bits (the caller draws them from the OS generator).
    pub fn from_random(bits: [u8; 10]) -> Self {
        let mut value = bits.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
        let mut body = [0u8; BODY_LEN];
        for slot in body.iter_mut().rev() {
            *slot = ALPHABET[(value & 31) as usize];
            value >>= 5;
        }
        let mut text = String::from_utf8(body.to_vec()).expect("the alphabet is ASCII");
        text.push(check_character(&text));
        Self(text)
    }

    /// A number as typed or read from a QR code: case and hyphens are forgiven.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text: String = raw
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let invalid = || DomainError::new(ErrorCode::NotFound);
        if text.len() != BODY_LEN + 1 || !text.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(invalid());
        }
        let (body, check) = text.split_at(BODY_LEN);
        if !check.starts_with(check_character(body)) {
            return Err(invalid());
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn position(b: u8) -> u32 {
    ALPHABET
        .iter()
        .position(|&a| a == b)
        .expect("checked against the alphabet") as u32
}

/// Luhn mod N with N = 32.
fn check_character(body: &str) -> char {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let code = position(b) * if i % 2 == 0 { 2 } else { 1 };
            code / 32 + code % 32
        })
        .sum();
    ALPHABET[((32 - sum % 32) % 32) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_drawn_number_parses_back(bits in any::<[u8; 10]>()) {
            let number = CertificateNumber::from_random(bits);
            prop_assert_eq!(number.as_str().len(), 17);
            prop_assert_eq!(CertificateNumber::parse(&number.as_str().to_lowercase()), Ok(number));
        }

        #[test]
        fn every_single_wrong_character_is_refused(bits in any::<[u8; 10]>(), at in 0usize..17, by in 1usize..32) {
            let number = CertificateNumber::from_random(bits);
            let mut bytes = number.as_str().as_bytes().to_vec();
            bytes[at] = ALPHABET[(position(bytes[at]) as usize + by) % 32];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(CertificateNumber::parse(&changed).is_err());
        }

        #[test]
        fn swapping_two_different_neighbours_is_refused(bits in any::<[u8; 10]>(), at in 0usize..15) {
            let number = CertificateNumber::from_random(bits);
            let mut bytes = number.as_str().as_bytes().to_vec();
            prop_assume!(bytes[at] != bytes[at + 1]);
            prop_assume!(!matches!((bytes[at], bytes[at + 1]), (b'0', b'Z') | (b'Z', b'0')));
            bytes.swap(at, at + 1);
            let swapped = String::from_utf8(bytes).unwrap();
            prop_assert!(CertificateNumber::parse(&swapped).is_err());
        }
    }

    #[test]
    fn different_bits_give_different_numbers() {
        let a = CertificateNumber::from_random([0; 10]);
        let mut bits = [0; 10];
        bits[9] = 1;
        assert_ne!(a, CertificateNumber::from_random(bits));
        assert!(CertificateNumber::parse("not-a-number").is_err());
    }
}
