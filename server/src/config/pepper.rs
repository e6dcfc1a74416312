use std::{fs, io::Write, path::Path};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::SecretString;

use super::ConfigError;

/// Development convenience: a pepper generated once into `data/pepper` (mode 0600),
/// so the server and the CLI agree on it across restarts.
pub(super) fn load_or_create_pepper_file(path: &Path) -> Result<SecretString, ConfigError> {
    let io_error = |source| ConfigError::PepperFile {
        path: path.to_owned(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(existing) => {
            let existing = existing.trim().to_owned();
            // Never regenerate over an existing file: that would orphan every stored key.
            if existing.len() < 32 {
                return Err(io_error(std::io::Error::other(
                    "the file holds fewer than 32 characters",
                )));
            }
            return Ok(SecretString::from(existing));
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(io_error(err)),
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io_error)?;
    }
    let bytes: [u8; 32] = rand::random();
    let pepper = URL_SAFE_NO_PAD.encode(bytes);
    let mut options = fs::OpenOptions::new();
    // create_new: if the server and the CLI race on first start, one creates the file
    // and the other reads it.
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            return load_or_create_pepper_file(path);
        }
        Err(err) => return Err(io_error(err)),
    };
    file.write_all(pepper.as_bytes()).map_err(io_error)?;
    tracing::warn!(
        path = %path.display(),
        "KEYWARD_KEY_PEPPER is not set: generated a key pepper into this file. Set KEYWARD_KEY_PEPPER in production."
    );
    Ok(SecretString::from(pepper))
}
