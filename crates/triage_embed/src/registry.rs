//! The user's models: `models.json` in the user's data folder, never in a
//! project, so one download serves every project. Each entry records the
//! folder and the SHA-256 of its weights when it was added.

use std::path::{Path, PathBuf};

use crate::{Error, ModelInfo, Result, file_err, inspect};

/// The registry file in a data folder.
pub struct Registry {
    file: PathBuf,
}

impl Registry {
    /// The registry in `data_dir` (created on the first `add`).
    pub fn at(data_dir: &Path) -> Self {
        Self {
            file: data_dir.join("models.json"),
        }
    }

    /// Every registered model, in the order they were added.
    pub fn list(&self) -> Result<Vec<ModelInfo>> {
        match std::fs::read(&self.file) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(file_err(&self.file, format!("cannot read: {e}"))),
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| file_err(&self.file, format!("damaged: {e}"))),
        }
    }

    /// The model registered as `name`.
    pub fn get(&self, name: &str) -> Result<ModelInfo> {
        self.list()?
            .into_iter()
            .find(|m| m.name == name)
            .ok_or_else(|| {
                Error::Registry(format!(
                    "no model named '{name}': add it with `triage models add PATH --name {name}`"
                ))
            })
    }

    /// Checks the folder (loading it whole) and records it as `name`; the
    /// name defaults to the folder's. Adding a name again replaces its
    /// entry, so a model updated in place is registered anew.
    pub fn add(&self, folder: &Path, name: Option<&str>) -> Result<ModelInfo> {
        let default = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = name.unwrap_or(&default);
        if name.trim().is_empty() || name.contains(['/', '\\']) {
            return Err(Error::Registry(format!(
                "'{name}' cannot name a model: use letters, digits, dots and dashes"
            )));
        }
        let info = inspect(folder, name)?;
        let mut models = self.list()?;
        models.retain(|m| m.name != info.name);
        models.push(info.clone());
        self.write(&models)?;
        Ok(info)
    }

    /// Writes to a temporary file and renames it over, so a crash never
    /// leaves half a registry.
    fn write(&self, models: &[ModelInfo]) -> Result<()> {
        if let Some(dir) = self.file.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| file_err(dir, format!("cannot create: {e}")))?;
        }
        let tmp = self.file.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(models).map_err(|e| file_err(&tmp, e))?;
        std::fs::write(&tmp, body).map_err(|e| file_err(&tmp, format!("cannot write: {e}")))?;
        std::fs::rename(&tmp, &self.file)
            .map_err(|e| file_err(&self.file, format!("cannot write: {e}")))
    }
}
