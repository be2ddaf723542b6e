//! KSUIDs: the 27-character sortable IDs the Go SDK uses for sync and task IDs.
//!
//! A KSUID is 20 bytes: a 4-byte big-endian count of seconds since the KSUID
//! epoch (1,400,000,000 Unix seconds), then 16 random bytes. Its text form is
//! those 20 bytes as one big-endian number in base 62 (`0-9A-Za-z`), left-padded
//! with `0` to 27 characters, so text order equals time order.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

/// Unix time (seconds) of a KSUID whose timestamp field is zero.
pub const KSUID_EPOCH: i64 = 1_400_000_000;

const BYTES: usize = 20;
const TEXT_LEN: usize = 27;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A KSUID (K-Sortable Unique IDentifier).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ksuid([u8; BYTES]);

/// Why a string or a time could not become a KSUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KsuidError {
    /// The text is not 27 characters long.
    #[error("a KSUID is 27 characters, got {0}")]
    Length(usize),
    /// The text holds a character outside `0-9A-Za-z`.
    #[error("invalid KSUID character {0:?}")]
    Character(char),
    /// The text decodes to a number above 2^160 - 1.
    #[error("KSUID value out of range")]
    Overflow,
    /// The time is before the KSUID epoch or after its 136-year span.
    #[error("time {0} (Unix seconds) is outside the KSUID range")]
    Time(i64),
}

impl Ksuid {
    /// A new KSUID for the current time with a random payload.
    pub fn new() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(KSUID_EPOCH, |d| d.as_secs() as i64);
        let mut payload = [0u8; 16];
        payload.iter_mut().for_each(|b| *b = fastrand::u8(..));
        Self::from_parts(now, payload).expect("the current time is within the KSUID range")
    }

    /// The KSUID of `unix_seconds` with the given payload.
    pub fn from_parts(unix_seconds: i64, payload: [u8; 16]) -> Result<Self, KsuidError> {
        let offset = u32::try_from(unix_seconds - KSUID_EPOCH)
            .map_err(|_| KsuidError::Time(unix_seconds))?;
        let mut bytes = [0u8; BYTES];
        bytes[..4].copy_from_slice(&offset.to_be_bytes());
        bytes[4..].copy_from_slice(&payload);
        Ok(Self(bytes))
    }

    /// The creation time, in Unix seconds.
    pub fn unix_seconds(&self) -> i64 {
        let offset = u32::from_be_bytes(self.0[..4].try_into().expect("4 bytes"));
        KSUID_EPOCH + i64::from(offset)
    }

    /// The 16 random bytes.
    pub fn payload(&self) -> [u8; 16] {
        self.0[4..].try_into().expect("16 bytes")
    }

    /// The 20 raw bytes.
    pub fn as_bytes(&self) -> &[u8; BYTES] {
        &self.0
    }
}

impl Default for Ksuid {
    fn default() -> Self {
        Self::new()
    }
}

/// The 160-bit value as five big-endian 32-bit limbs.
fn to_limbs(bytes: &[u8; BYTES]) -> [u32; 5] {
    std::array::from_fn(|i| u32::from_be_bytes(bytes[i * 4..i * 4 + 4].try_into().expect("4")))
}

impl fmt::Display for Ksuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut limbs = to_limbs(&self.0);
        let mut text = [b'0'; TEXT_LEN];
        // Repeated long division by 62; remainders are the digits, last first.
        for slot in text.iter_mut().rev() {
            let mut remainder = 0u64;
            for limb in limbs.iter_mut() {
                let value = (remainder << 32) | u64::from(*limb);
                *limb = (value / 62) as u32;
                remainder = value % 62;
            }
            *slot = ALPHABET[remainder as usize];
        }
        f.write_str(std::str::from_utf8(&text).expect("ASCII"))
    }
}

impl fmt::Debug for Ksuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ksuid({self})")
    }
}

impl FromStr for Ksuid {
    type Err = KsuidError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != TEXT_LEN {
            return Err(KsuidError::Length(text.len()));
        }
        let mut limbs = [0u32; 5];
        for c in text.chars() {
            let digit = match c {
                '0'..='9' => c as u64 - '0' as u64,
                'A'..='Z' => c as u64 - 'A' as u64 + 10,
                'a'..='z' => c as u64 - 'a' as u64 + 36,
                _ => return Err(KsuidError::Character(c)),
            };
            // limbs = limbs * 62 + digit, least significant limb last.
            let mut carry = digit;
            for limb in limbs.iter_mut().rev() {
                let value = u64::from(*limb) * 62 + carry;
                *limb = value as u32;
                carry = value >> 32;
            }
            if carry != 0 {
                return Err(KsuidError::Overflow);
            }
        }
        let mut bytes = [0u8; BYTES];
        for (i, limb) in limbs.iter().enumerate() {
            bytes[i * 4..i * 4 + 4].copy_from_slice(&limb.to_be_bytes());
        }
        Ok(Self(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_and_max_ksuids_have_the_known_text_forms() {
        assert_eq!(Ksuid([0; 20]).to_string(), "000000000000000000000000000");
        assert_eq!(Ksuid([0xff; 20]).to_string(), "aWgEPTl1tmebfsQzFP4bxwgy80V");
    }

    #[test]
    fn text_above_the_maximum_is_rejected() {
        assert_eq!(
            "aWgEPTl1tmebfsQzFP4bxwgy80W".parse::<Ksuid>(),
            Err(KsuidError::Overflow)
        );
        assert_eq!("abc".parse::<Ksuid>(), Err(KsuidError::Length(3)));
        assert_eq!(
            "00000000000000000000000000-".parse::<Ksuid>(),
            Err(KsuidError::Character('-'))
        );
    }

    #[test]
    fn the_go_sdk_fixture_sync_id_decodes_to_its_creation_time() {
        // 2025-12-17 23:31:25 UTC. The fixture's started_at says 16:31:25: the SDK
        // writes local wall-clock time, here seven hours behind UTC.
        let id: Ksuid = "36zfOAoWMxQdISbixanQCRBiX7E".parse().unwrap();
        assert_eq!(id.unix_seconds(), 1_766_014_285);
        assert_eq!(id.to_string(), "36zfOAoWMxQdISbixanQCRBiX7E");
    }

    #[test]
    fn new_ksuid_carries_the_current_time_and_round_trips_through_text() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let id = Ksuid::new();
        let after = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((before..=after).contains(&id.unix_seconds()));
        let text = id.to_string();
        assert_eq!(text.len(), 27);
        assert_eq!(text.parse::<Ksuid>().unwrap(), id);
        assert_ne!(Ksuid::new(), id, "payloads are random");
    }

    #[test]
    fn text_order_follows_time_order() {
        let early = Ksuid::from_parts(1_700_000_000, [0xff; 16]).unwrap();
        let late = Ksuid::from_parts(1_700_000_001, [0; 16]).unwrap();
        assert!(early.to_string() < late.to_string());
    }

    #[test]
    fn times_outside_the_ksuid_range_are_rejected() {
        assert_eq!(
            Ksuid::from_parts(KSUID_EPOCH - 1, [0; 16]),
            Err(KsuidError::Time(KSUID_EPOCH - 1))
        );
    }
}
