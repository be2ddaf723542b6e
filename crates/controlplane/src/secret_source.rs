//! Where the client secret comes from, and picking up a rotated secret file
//! (a mounted Kubernetes Secret) without a restart.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::credentials::ClientSecret;
use crate::error::Error;

/// Where the session reads its client secret.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// A secret given once, for example from `BATON_CLIENT_SECRET`.
    Value(ClientSecret),
    /// A file holding the secret text, re-read before every token request so
    /// that a rotated secret is used without a restart. A malformed new
    /// content is logged (without the secret) and the previous key is kept.
    File(PathBuf),
}

/// The current client secret, refreshed from its file when that changes.
pub(crate) struct SecretStore {
    file: Option<PathBuf>,
    state: Mutex<Loaded>,
}

struct Loaded {
    secret: ClientSecret,
    /// SHA-256 of the file content the secret was parsed from.
    digest: [u8; 32],
    /// SHA-256 of the last file content that failed to parse, to log it once.
    rejected: Option<[u8; 32]>,
}

impl SecretStore {
    /// Loads the secret; a secret file must exist and hold a valid secret.
    pub(crate) async fn open(source: SecretSource) -> Result<Self, Error> {
        let (file, secret, digest) = match source {
            SecretSource::Value(secret) => (None, secret, [0; 32]),
            SecretSource::File(path) => {
                let text = read(&path).await?;
                let secret = ClientSecret::parse(&text)?;
                let digest = Sha256::digest(text.as_bytes()).into();
                (Some(path), secret, digest)
            }
        };
        Ok(Self {
            file,
            state: Mutex::new(Loaded {
                secret,
                digest,
                rejected: None,
            }),
        })
    }

    /// The secret to sign the next client assertion with: the file's current
    /// content when it changed and parses, else the last good one.
    pub(crate) async fn current(&self) -> ClientSecret {
        if let Some(path) = &self.file {
            match read(path).await {
                Ok(text) => self.adopt(path, &text),
                Err(error) => {
                    tracing::warn!(%error, "keeping the previous client secret");
                }
            }
        }
        self.lock().secret.clone()
    }

    /// Switches to the secret in `text` if it differs from the current one and is valid.
    fn adopt(&self, path: &Path, text: &str) {
        let digest: [u8; 32] = Sha256::digest(text.as_bytes()).into();
        let mut state = self.lock();
        if digest == state.digest || Some(digest) == state.rejected {
            return;
        }
        match ClientSecret::parse(text) {
            Ok(secret) => {
                tracing::info!(path = %path.display(), "client secret file changed; using the new key");
                *state = Loaded {
                    secret,
                    digest,
                    rejected: None,
                };
            }
            Err(error) => {
                tracing::error!(
                    path = %path.display(),
                    %error,
                    "client secret file changed to an invalid secret; keeping the previous key"
                );
                state.rejected = Some(digest);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn read(path: &Path) -> Result<String, Error> {
    tokio::fs::read_to_string(path)
        .await
        .map_err(|source| Error::SecretFile {
            path: path.to_owned(),
            source,
        })
}
