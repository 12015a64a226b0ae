//! AWS credentials, found the standard way: a profile named explicitly
//! wins; otherwise the `AWS_*` environment variables; otherwise the profile
//! `AWS_PROFILE` names, or `default`, from the shared files
//! (`~/.aws/credentials` and `~/.aws/config`, or the files
//! `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE` name). Secrets are
//! passed to the client and nowhere else: no error message, log line or
//! project setting ever holds one.

use std::path::PathBuf;

use crate::{Error, Result};

/// Keys from a profile, with its region if the config file gives one.
pub struct ProfileCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub region: Option<String>,
}

/// The credentials to use, or `None` to leave it to the environment.
pub fn resolve(explicit: Option<&str>) -> Result<Option<ProfileCredentials>> {
    let env_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
    let name = match explicit {
        Some(name) => name.to_owned(),
        None if env_keys => return Ok(None),
        None => std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".into()),
    };
    let credentials = file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    let config = file("AWS_CONFIG_FILE", "config");
    let keys = credentials
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|text| section(&text, &name))
        .unwrap_or_default();
    let settings = config
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|text| {
            let header = if name == "default" {
                name.clone()
            } else {
                format!("profile {name}")
            };
            section(&text, &header)
        })
        .unwrap_or_default();
    let get = |key: &str| {
        keys.iter()
            .chain(&settings)
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Some(ProfileCredentials {
            access_key_id,
            secret_access_key,
            session_token: get("aws_session_token"),
            region: get("region"),
        })),
        // No keys and no profile asked for: the environment (or an
        // instance role) may still provide them.
        _ if explicit.is_none() => Ok(None),
        _ => Err(Error::Invalid(format!(
            "AWS profile '{name}' has no aws_access_key_id and aws_secret_access_key in {}",
            credentials
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "~/.aws/credentials".into())
        ))),
    }
}

fn file(var: &str, name: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        // `~/.aws`, `%USERPROFILE%\.aws` on Windows, as the AWS CLI looks.
        .or_else(|| dirs::home_dir().map(|h| h.join(".aws").join(name)))
}

/// The `key = value` pairs of one `[header]` section of an INI file.
fn section(text: &str, header: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == header;
        } else if inside && let Some((k, v)) = line.split_once('=') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_are_read_by_header() {
        let text = "[default]\naws_access_key_id = A\n# note\n[profile lake]\nregion=eu-west-1\n\
                    aws_secret_access_key =  S \n";
        assert_eq!(
            section(text, "default"),
            vec![("aws_access_key_id".into(), "A".into())]
        );
        assert_eq!(
            section(text, "profile lake"),
            vec![
                ("region".into(), "eu-west-1".into()),
                ("aws_secret_access_key".into(), "S".into())
            ]
        );
        assert!(section(text, "other").is_empty());
    }
}
