//! "Open with Kindred" while Kindred is open: the running window takes the image instead of a
//! second window opening on the same library. The first window listens on a unix socket in the
//! user's runtime dir (`$XDG_RUNTIME_DIR`, private to the user), one socket per library;
//! `kindred --open IMAGE` offers the image there first and exits when it is taken.
//!
//! The message is the image's absolute path as raw bytes (any file name works), length-prefixed
//! (u32, little-endian); the answer is one byte, [`TAKEN`]. No socket (no runtime dir, another
//! platform) or no answer means a new window, as before.

use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The answer of a window that took the image.
const TAKEN: u8 = b'k';
/// Longest path accepted (Linux's PATH_MAX).
const MAX_PATH: usize = 4096;
/// How long an offer waits for the running window (a busy frame is well under this).
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// The socket of the window open on `library_dir`, in `runtime_dir`: named by a hash of the
/// library's canonical path, so two libraries have two windows.
pub fn socket_path(runtime_dir: &Path, library_dir: &Path) -> PathBuf {
    let library = library_dir.canonicalize().unwrap_or_else(|_| library_dir.to_path_buf());
    let hash = blake3::hash(library.as_os_str().as_bytes()).to_hex();
    runtime_dir.join(format!("kindred-{}.sock", &hash[..16]))
}

/// `$XDG_RUNTIME_DIR`, when the session has one (it is the user's own, mode 0700).
pub fn runtime_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()).map(PathBuf::from).filter(|d| d.is_dir())
}

/// Offers `image` to the window listening on `socket`; true when it took it.
pub fn offer(socket: &Path, image: &Path) -> bool {
    let image = std::path::absolute(image).unwrap_or_else(|_| image.to_path_buf());
    let bytes = image.as_os_str().as_bytes();
    let Ok(len) = u32::try_from(bytes.len()) else { return false };
    let Ok(mut stream) = UnixStream::connect(socket) else { return false };
    let _ = stream.set_read_timeout(Some(ANSWER_WITHIN));
    let _ = stream.set_write_timeout(Some(ANSWER_WITHIN));
    let mut answer = [0u8];
    stream.write_all(&len.to_le_bytes()).is_ok()
        && stream.write_all(bytes).is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && answer[0] == TAKEN
}

/// A window's socket; removed when dropped (the window closed).
pub struct Listener {
    path: PathBuf,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on `socket` and calls `take` with each image offered. None when another window
/// answers there already or the socket cannot be made (the app then simply does not listen).
pub fn listen(socket: &Path, take: impl Fn(PathBuf) + Send + 'static) -> Option<Listener> {
    if socket.exists() {
        if UnixStream::connect(socket).is_ok() {
            return None; // a live window owns it
        }
        let _ = std::fs::remove_file(socket); // left by a window that crashed
    }
    let listener = UnixListener::bind(socket).ok()?;
    std::thread::Builder::new()
        .name("kindred-handoff".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(image) = receive(stream) {
                    take(image);
                }
            }
        })
        .ok()?;
    Some(Listener { path: socket.to_path_buf() })
}

/// Reads one offer and answers [`TAKEN`]; None for anything malformed.
fn receive(mut stream: UnixStream) -> Option<PathBuf> {
    let _ = stream.set_read_timeout(Some(ANSWER_WITHIN));
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).ok()?;
    let len = u32::from_le_bytes(len) as usize;
    if len == 0 || len > MAX_PATH {
        return None;
    }
    let mut bytes = vec![0u8; len];
    stream.read_exact(&mut bytes).ok()?;
    stream.write_all(&[TAKEN]).ok()?;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn an_offered_image_reaches_the_listening_window_and_its_socket_goes_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let socket = socket_path(dir.path(), Path::new("/art/library"));
        let (tx, rx) = mpsc::channel();
        let listener = listen(&socket, move |image| tx.send(image).unwrap()).expect("listening");
        // A name that is not UTF-8 and holds a newline arrives byte for byte.
        let image = PathBuf::from(std::ffi::OsString::from_vec(b"/art/sun\nset \xff.png".to_vec()));
        assert!(offer(&socket, &image));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), image);
        // A second window on the same library does not steal the socket.
        assert!(listen(&socket, |_| {}).is_none());
        drop(listener);
        assert!(!socket.exists());
        assert!(!offer(&socket, &image), "nobody listens any more: a new window opens");
    }

    #[test]
    fn a_socket_left_by_a_crashed_window_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let socket = socket_path(dir.path(), Path::new("/art/library"));
        drop(UnixListener::bind(&socket).unwrap()); // bound, never removed: nobody answers
        assert!(socket.exists());
        let (tx, rx) = mpsc::channel();
        let _listener = listen(&socket, move |image| tx.send(image).unwrap()).expect("stale socket replaced");
        assert!(offer(&socket, Path::new("/art/a.png")));
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), PathBuf::from("/art/a.png"));
    }

    #[test]
    fn each_library_has_its_own_socket() {
        let dir = Path::new("/run/user/1000");
        assert_ne!(socket_path(dir, Path::new("/art/a")), socket_path(dir, Path::new("/art/b")));
        assert_eq!(socket_path(dir, Path::new("/art/a")), socket_path(dir, Path::new("/art/a")));
    }
}
