//! [`Pairing`]: the bridge shows a 6-digit code once on its console when it starts; the
//! counter types it into the app once (`POST /pair`), which gets a random bearer token to
//! keep for every later call. The code works once; five wrong codes lock pairing until the
//! bridge restarts with a new code, so a page cannot guess it (10⁶ codes, 5 tries).
//!
//! Only SHA-256 digests of the tokens are kept, in memory: a restart of the bridge means
//! pairing again.

use sha2::{Digest, Sha256};

/// Digits of the pairing code.
pub const CODE_DIGITS: usize = 6;
/// Wrong codes before pairing locks.
pub const MAX_WRONG_CODES: u8 = 5;

/// Why a pairing code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PairError {
    /// Not the code shown; `remaining` more tries before pairing locks.
    #[error("wrong pairing code ({remaining} tries left)")]
    WrongCode {
        /// Tries left.
        remaining: u8,
    },
    /// Too many wrong codes: restart the bridge.
    #[error("pairing is locked after {MAX_WRONG_CODES} wrong codes; restart the bridge")]
    Locked,
    /// The code has been used: restart the bridge for a new one.
    #[error("the pairing code was used already; restart the bridge for a new one")]
    Spent,
}

/// The pairing state of one run of the bridge.
#[derive(Debug)]
pub struct Pairing {
    code: Option<String>,
    wrong: u8,
    tokens: Vec<[u8; 32]>,
}

impl Pairing {
    /// A new pairing with a random code; gives it and the code to show.
    pub fn new() -> (Pairing, String) {
        // Uniform over 000000–999999: reject the top of the u32 range that 10⁶ does not
        // divide evenly.
        let code = loop {
            let mut bytes = [0u8; 4];
            getrandom::fill(&mut bytes).expect("the platform has a random source");
            let n = u32::from_le_bytes(bytes);
            if n < u32::MAX - u32::MAX % 1_000_000 {
                break format!("{:0width$}", n % 1_000_000, width = CODE_DIGITS);
            }
        };
        (Pairing::with_code(&code), code)
    }

    /// A pairing whose code is `code` (tests).
    pub fn with_code(code: &str) -> Pairing {
        Pairing {
            code: Some(code.to_owned()),
            wrong: 0,
            tokens: Vec::new(),
        }
    }

    /// Tries `attempt`; a new token if it is the code.
    ///
    /// Errors: [`PairError`].
    pub fn pair(&mut self, attempt: &str) -> Result<String, PairError> {
        if self.wrong >= MAX_WRONG_CODES {
            return Err(PairError::Locked);
        }
        let Some(code) = &self.code else {
            return Err(PairError::Spent);
        };
        if attempt.trim() != code {
            self.wrong += 1;
            return Err(if self.wrong >= MAX_WRONG_CODES {
                PairError::Locked
            } else {
                PairError::WrongCode {
                    remaining: MAX_WRONG_CODES - self.wrong,
                }
            });
        }
        self.code = None;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the platform has a random source");
        let token = hex::encode(bytes);
        self.tokens.push(Sha256::digest(token.as_bytes()).into());
        Ok(token)
    }

    /// Whether `token` is one this pairing gave.
    pub fn authorized(&self, token: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.tokens.contains(&digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_six_digits_and_pairs_once() {
        let (mut pairing, code) = Pairing::new();
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        let token = pairing.pair(&code).unwrap();
        assert_eq!(token.len(), 64);
        assert!(pairing.authorized(&token));
        assert!(!pairing.authorized("0".repeat(64).as_str()));
        assert_eq!(pairing.pair(&code), Err(PairError::Spent));
    }

    #[test]
    fn five_wrong_codes_lock_pairing() {
        let mut pairing = Pairing::with_code("123456");
        for remaining in (1..5).rev() {
            assert_eq!(
                pairing.pair("000000"),
                Err(PairError::WrongCode { remaining })
            );
        }
        assert_eq!(pairing.pair("000000"), Err(PairError::Locked));
        assert_eq!(pairing.pair("123456"), Err(PairError::Locked));
    }
}
