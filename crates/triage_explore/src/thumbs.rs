//! Thumbnails for the grid, decoded off the UI thread. Only the cells on
//! screen ask for theirs; the newest requests are served first and stale
//! ones are dropped, so fast scrolling never builds a backlog. Textures
//! beyond a budget are evicted, least recently drawn first.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};

use eframe::egui::{self, ColorImage, TextureHandle, TextureOptions};

/// The longest side of a decoded thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 128;
/// Textures kept at most.
const BUDGET: usize = 3000;
const WORKERS: usize = 3;

struct Queue {
    wanted: Mutex<Vec<(u32, PathBuf)>>,
    /// Entries a worker is decoding now, so they are not asked for twice.
    busy: Mutex<std::collections::HashSet<u32>>,
    ready: Condvar,
}

/// The thumbnail cache.
pub struct Thumbs {
    queue: Arc<Queue>,
    done: Receiver<(u32, Option<ColorImage>)>,
    textures: HashMap<u32, (TextureHandle, u64)>,
    failed: std::collections::HashSet<u32>,
    asked: Vec<(u32, PathBuf)>,
    /// Whether the last frame had every thumbnail it drew.
    settled: bool,
    frame: u64,
}

impl Thumbs {
    /// Starts the decoding threads; they repaint `ctx` when a thumbnail is
    /// ready.
    pub fn new(ctx: &egui::Context) -> Self {
        let queue = Arc::new(Queue {
            wanted: Mutex::new(Vec::new()),
            busy: Mutex::new(Default::default()),
            ready: Condvar::new(),
        });
        let (tx, done) = channel();
        for _ in 0..WORKERS {
            let (queue, tx, ctx): (_, Sender<_>, _) = (Arc::clone(&queue), tx.clone(), ctx.clone());
            std::thread::spawn(move || worker(&queue, &tx, &ctx));
        }
        Self {
            queue,
            done,
            textures: HashMap::new(),
            failed: Default::default(),
            asked: Vec::new(),
            settled: true,
            frame: 0,
        }
    }

    /// Forgets everything (another dataset was opened).
    pub fn clear(&mut self) {
        self.textures.clear();
        self.failed.clear();
        self.asked.clear();
        if let Ok(mut w) = self.queue.wanted.lock() {
            w.clear();
        }
    }

    /// The texture for an entry, if decoded; otherwise it is asked for
    /// (from the file `path` gives) at the end of this frame.
    pub fn get(
        &mut self,
        entry: u32,
        path: impl FnOnce() -> Option<PathBuf>,
    ) -> Option<&TextureHandle> {
        let frame = self.frame;
        if let Some((tex, used)) = self.textures.get_mut(&entry) {
            *used = frame;
            return Some(tex);
        }
        if !self.failed.contains(&entry)
            && let Some(path) = path()
        {
            self.asked.push((entry, path));
        }
        None
    }

    /// Whether the last frame had every thumbnail it drew.
    pub fn settled(&self) -> bool {
        self.settled
    }

    /// Whether an entry's image could not be decoded.
    pub fn failed(&self, entry: u32) -> bool {
        self.failed.contains(&entry)
    }

    /// Call once per frame, before drawing: uploads what the workers
    /// finished.
    pub fn begin_frame(&mut self, ctx: &egui::Context) {
        self.frame += 1;
        while let Ok((entry, image)) = self.done.try_recv() {
            match image {
                Some(image) => {
                    let filter = filter_for(&image);
                    let tex = ctx.load_texture(format!("thumb-{entry}"), image, filter);
                    self.textures.insert(entry, (tex, self.frame));
                }
                None => {
                    self.failed.insert(entry);
                }
            }
        }
        if self.textures.len() > BUDGET {
            let mut by_use: Vec<(u64, u32)> = self
                .textures
                .iter()
                .map(|(&k, (_, used))| (*used, k))
                .collect();
            by_use.sort_unstable();
            for (_, k) in by_use.iter().take(self.textures.len() - BUDGET) {
                self.textures.remove(k);
            }
        }
    }

    /// Call once per frame, after drawing: replaces the queue with what
    /// this frame asked for, so scrolled-past cells are not decoded.
    pub fn end_frame(&mut self) {
        let asked = std::mem::take(&mut self.asked);
        self.settled = asked.is_empty();
        if let Ok(mut wanted) = self.queue.wanted.lock() {
            let busy = self
                .queue
                .busy
                .lock()
                .map(|b| b.clone())
                .unwrap_or_default();
            // Served from the end: the first cells on screen go first.
            *wanted = asked
                .into_iter()
                .rev()
                .filter(|(e, _)| !busy.contains(e))
                .collect();
        }
        self.queue.ready.notify_all();
    }
}

fn worker(queue: &Queue, tx: &Sender<(u32, Option<ColorImage>)>, ctx: &egui::Context) {
    loop {
        let next = {
            let Ok(mut wanted) = queue.wanted.lock() else {
                return;
            };
            loop {
                if let Some(job) = wanted.pop() {
                    if let Ok(mut busy) = queue.busy.lock() {
                        busy.insert(job.0);
                    }
                    break job;
                }
                wanted = match queue.ready.wait(wanted) {
                    Ok(w) => w,
                    Err(_) => return,
                };
            }
        };
        let (entry, path) = next;
        let sent = tx.send((entry, decode(&path, THUMB_SIDE)));
        if let Ok(mut busy) = queue.busy.lock() {
            busy.remove(&entry);
        }
        if sent.is_err() {
            return;
        }
        ctx.request_repaint();
    }
}

/// Decodes an image file, shrunk so its longest side is at most `side`;
/// `None` if it cannot be read.
pub fn decode(path: &std::path::Path, side: u32) -> Option<ColorImage> {
    let img = triage_api::decode_image(path).ok()?;
    let img = if img.width() > side || img.height() > side {
        img.thumbnail(side, side)
    } else {
        img
    };
    let rgba = img.to_rgba8();
    Some(ColorImage::from_rgba_unmultiplied(
        [rgba.width() as usize, rgba.height() as usize],
        rgba.as_raw(),
    ))
}

/// How to sample a texture: tiny images (8×8 digits) stay sharp when
/// enlarged, others are smoothed.
pub fn filter_for(image: &ColorImage) -> TextureOptions {
    if image.size[0].max(image.size[1]) < 64 {
        TextureOptions::NEAREST
    } else {
        TextureOptions::LINEAR
    }
}
