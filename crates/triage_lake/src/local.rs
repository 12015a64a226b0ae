use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A file an export wrote, with what a reader needs to verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct WrittenFile {
    /// Its path or key.
    pub key: String,
    /// Its size.
    pub size_bytes: u64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// A local folder destination. Files are written to a temporary name beside
/// their final one, synced, and renamed, so no reader ever sees half a file.
pub struct LocalFolder {
    root: PathBuf,
}

/// A file being written: bytes go to the temporary file and the hash.
pub struct PendingFile {
    tmp: PathBuf,
    dest: PathBuf,
    out: BufWriter<File>,
    hash: Sha256,
    size_bytes: u64,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

impl LocalFolder {
    /// A destination folder, created if missing.
    pub fn new(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root).map_err(io_err(root))?;
        Ok(Self {
            root: root.to_owned(),
        })
    }

    /// Starts writing `name` inside the folder.
    pub fn create(&self, name: &str) -> Result<PendingFile> {
        let dest = self.root.join(name);
        let tmp = self
            .root
            .join(format!(".{name}.partial-{}", std::process::id()));
        let file = File::create(&tmp).map_err(io_err(&tmp))?;
        Ok(PendingFile {
            tmp,
            dest,
            out: BufWriter::new(file),
            hash: Sha256::new(),
            size_bytes: 0,
        })
    }

    /// Writes a whole file at once, as [`LocalFolder::create`] then commit.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<WrittenFile> {
        let mut out = self.create(name)?;
        out.append(bytes)?;
        out.commit()
    }
}

impl PendingFile {
    /// Appends bytes.
    pub fn append(&mut self, bytes: &[u8]) -> Result<()> {
        let written = Write::write_all(self, bytes);
        written.map_err(io_err(&self.tmp))
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> Result<WrittenFile> {
        self.out.flush().map_err(io_err(&self.tmp))?;
        self.out.get_ref().sync_all().map_err(io_err(&self.tmp))?;
        replace(&self.tmp, &self.dest)?;
        // The rename itself is durable only once the folder is synced. A
        // folder cannot be opened as a file on Windows, where NTFS journals
        // the rename instead.
        #[cfg(unix)]
        if let Some(dir) = self.dest.parent() {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io_err(dir))?;
        }
        Ok(WrittenFile {
            key: self.dest.display().to_string(),
            size_bytes: self.size_bytes,
            sha256: format!("{:x}", std::mem::take(&mut self.hash).finalize()),
        })
    }
}

impl Write for PendingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hash.update(buf);
        self.size_bytes += buf.len() as u64;
        self.out.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // An abandoned file leaves no partial behind; after commit the
        // temporary name no longer exists and this does nothing.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Renames `tmp` over `dest`. On Windows a file another program holds open
/// (a spreadsheet showing the last export, a virus scanner reading the new
/// one) cannot be replaced: wait a little, as scanners let go, then say what
/// to do. Elsewhere a refusal is final.
pub(crate) fn replace(tmp: &Path, dest: &Path) -> Result<()> {
    const TRIES: u32 = 20;
    let mut tries = 0;
    loop {
        match std::fs::rename(tmp, dest) {
            Err(e) if held_elsewhere(&e) => {
                tries += 1;
                if tries == TRIES {
                    let hint =
                        format!("{e}; another program may have it open: close it and try again");
                    return Err(io_err(dest)(std::io::Error::new(e.kind(), hint)));
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            done => return done.map_err(io_err(dest)),
        }
    }
}

/// Whether Windows refused a rename because another program has the file
/// open: access denied, a sharing violation (32) or a lock violation (33).
fn held_elsewhere(e: &std::io::Error) -> bool {
    cfg!(windows)
        && (e.kind() == std::io::ErrorKind::PermissionDenied
            || matches!(e.raw_os_error(), Some(32 | 33)))
}

/// The SHA-256 of bytes, in lowercase hex: how every object and export id
/// is named and checked.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", sha2::Sha256::digest(bytes))
}

/// A file already on disk, as if a [`LocalFolder`] had written it: its path,
/// size and SHA-256, read in one streaming pass.
pub fn hash_file(path: &Path) -> Result<WrittenFile> {
    let mut input = std::fs::File::open(path).map_err(io_err(path))?;
    let mut hash = sha2::Sha256::new();
    let size_bytes = std::io::copy(&mut input, &mut hash).map_err(io_err(path))?;
    Ok(WrittenFile {
        key: path.display().to_string(),
        size_bytes,
        sha256: format!("{:x}", hash.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_appear_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let folder = LocalFolder::new(&dir.path().join("out")).unwrap();
        let mut f = folder.create("a.txt").unwrap();
        f.append(b"hello").unwrap();
        assert!(!dir.path().join("out/a.txt").exists());
        let written = f.commit().unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("out/a.txt")).unwrap(),
            b"hello"
        );
        assert_eq!(written.size_bytes, 5);
        assert_eq!(
            written.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let abandoned = folder.create("b.txt").unwrap();
        drop(abandoned);
        let names: Vec<_> = std::fs::read_dir(dir.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }
}
