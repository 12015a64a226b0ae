//! What the window remembers between commands.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use triage_api::Project;

/// How many recent projects the Projects screen lists.
const RECENT_MAX: usize = 10;

/// The app's state, shared by every command.
pub struct AppState {
    /// The open project. Commands lock it briefly on a blocking thread; a
    /// round works on its own handle, so labeling never waits for it.
    pub project: Arc<Mutex<Option<Project>>>,
    /// The cancel flag of the running model job (a round, or computing a
    /// model's features): one at a time, as each keeps both cores busy.
    pub model_job: Mutex<Option<Arc<AtomicBool>>>,
    /// The project given on the command line, opened at start.
    pub start_project: Option<PathBuf>,
    /// Where this run logs, when the file could be opened.
    pub log_file: Option<PathBuf>,
    config_dir: PathBuf,
}

impl AppState {
    pub fn new(
        config_dir: PathBuf,
        start_project: Option<PathBuf>,
        log_file: Option<PathBuf>,
    ) -> Self {
        Self {
            project: Arc::default(),
            model_job: Mutex::default(),
            start_project,
            log_file,
            config_dir,
        }
    }

    fn recent_file(&self) -> PathBuf {
        self.config_dir.join("recent.json")
    }

    /// Recent project folders, newest first; folders that are gone drop out.
    pub fn recent(&self) -> Vec<String> {
        std::fs::read_to_string(self.recent_file())
            .ok()
            .and_then(|s| serde_json::from_str::<Vec<String>>(&s).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|d| Path::new(d).join(triage_api::DB_FILE).is_file())
            .collect()
    }

    /// Puts a folder at the top of the recent list. The list is a
    /// convenience: failing to write it must not fail opening a project.
    pub fn remember(&self, dir: &Path) {
        let shown = dir.display().to_string();
        let mut list = self.recent();
        list.retain(|d| d != &shown);
        list.insert(0, shown);
        list.truncate(RECENT_MAX);
        let written = std::fs::create_dir_all(&self.config_dir).and_then(|()| {
            std::fs::write(
                self.recent_file(),
                serde_json::to_string_pretty(&list).unwrap_or_default(),
            )
        });
        if let Err(e) = written {
            eprintln!("triage: could not save the recent projects list: {e}");
        }
    }
}
