//! Work that must not hold up a frame (opening a dataset, profiling,
//! mapping) runs on its own thread; the UI polls it each frame and shows
//! its progress.

use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::sync::{Arc, Mutex};

use eframe::egui;

/// What a job reports: the step, how far, out of how many.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobProgress {
    /// The step being done.
    pub step: String,
    /// Done so far.
    pub done: u64,
    /// Out of.
    pub total: u64,
}

/// A job's state as the UI sees it.
pub enum Poll<'a, T> {
    /// Still running.
    Running(JobProgress),
    /// Finished with this.
    Done(&'a Result<T, String>),
}

/// A computation on a thread of its own.
pub struct Job<T> {
    rx: Receiver<Result<T, String>>,
    progress: Arc<Mutex<JobProgress>>,
    result: Option<Result<T, String>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work`, which reports progress through the callback it is
    /// given; each report asks for a repaint.
    pub fn spawn(
        ctx: &egui::Context,
        work: impl FnOnce(&(dyn Fn(&str, u64, u64) + Sync)) -> Result<T, String> + Send + 'static,
    ) -> Self {
        let (tx, rx) = channel();
        let progress = Arc::new(Mutex::new(JobProgress::default()));
        let shared = Arc::clone(&progress);
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let report = |step: &str, done: u64, total: u64| {
                if let Ok(mut p) = shared.lock() {
                    *p = JobProgress {
                        step: step.to_owned(),
                        done,
                        total,
                    };
                }
                ctx.request_repaint();
            };
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&report)))
                .unwrap_or_else(|_| Err("the job failed unexpectedly".into()));
            // The UI may be gone already; nothing is lost then.
            let _ = tx.send(result);
            ctx.request_repaint();
        });
        Self {
            rx,
            progress,
            result: None,
        }
    }

    /// Where the job is.
    pub fn poll(&mut self) -> Poll<'_, T> {
        if self.result.is_none() {
            match self.rx.try_recv() {
                Ok(r) => self.result = Some(r),
                Err(TryRecvError::Disconnected) => {
                    self.result = Some(Err("the job stopped without a result".into()));
                }
                Err(TryRecvError::Empty) => {}
            }
        }
        match &self.result {
            Some(r) => Poll::Done(r),
            None => Poll::Running(self.progress.lock().map(|p| p.clone()).unwrap_or_default()),
        }
    }

    /// Whether the job has not finished yet.
    pub fn is_running(&mut self) -> bool {
        matches!(self.poll(), Poll::Running(_))
    }

    /// Takes the result out once the job is done.
    pub fn take(&mut self) -> Option<Result<T, String>> {
        if matches!(self.poll(), Poll::Done(_)) {
            self.result.take()
        } else {
            None
        }
    }
}

/// A progress bar for a running job.
pub fn progress_bar(ui: &mut egui::Ui, what: &str, p: &JobProgress) {
    let fraction = if p.total > 0 {
        p.done as f32 / p.total as f32
    } else {
        0.0
    };
    let text = if p.total > 1 {
        format!("{what}: {} {} of {}", p.step, p.done, p.total)
    } else if p.step.is_empty() {
        format!("{what}…")
    } else {
        format!("{what}: {}…", p.step)
    };
    ui.add(
        egui::ProgressBar::new(fraction)
            .text(text)
            .animate(p.total == 0),
    );
}
