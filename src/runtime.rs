//! Locating and loading the ONNX Runtime shared library (`ort` with `load-dynamic`).
//!
//! Search order, every place computed at run time (an installed binary never looks where it was
//! built): `KINDRED_ORT_LIB`, `ORT_DYLIB_PATH`, next to the executable (where the build script
//! copies it; test binaries live one level deeper in `deps/`), the install's own lib dir
//! (`<prefix>/bin/kindred` → `<prefix>/lib/kindred/`, the Debian package's `/usr/lib/kindred/`),
//! then the per-user runtime dir `~/.local/lib/kindred/` (where `cargo install` builds put it).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// ONNX Runtime version this build is pinned to (see `build.rs`).
pub const ORT_VERSION: &str = env!("KINDRED_ORT_VERSION");

/// File name the build script gives the library next to the binaries.
const LIB_NAME: &str = "libonnxruntime.so";

/// Where the loaded library was found: which rule of the search order matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuntimeSource {
    /// The `KINDRED_ORT_LIB` environment variable.
    #[serde(rename = "KINDRED_ORT_LIB")]
    KindredOrtLib,
    /// The `ORT_DYLIB_PATH` environment variable (`ort`'s own).
    #[serde(rename = "ORT_DYLIB_PATH")]
    OrtDylibPath,
    /// Beside the executable: a development build (`target/<profile>/`).
    BesideExecutable,
    /// The install's lib dir, `<prefix>/lib/kindred/` (the package's `/usr/lib/kindred/`).
    InstallLibDir,
    /// The per-user runtime dir, `~/.local/lib/kindred/` (`cargo install`).
    UserLibDir,
}

impl RuntimeSource {
    /// How `kindred info` and the app name the rule.
    pub fn describe(self) -> &'static str {
        match self {
            Self::KindredOrtLib => "from KINDRED_ORT_LIB",
            Self::OrtDylibPath => "from ORT_DYLIB_PATH",
            Self::BesideExecutable => "beside the executable",
            Self::InstallLibDir => "the install's lib dir",
            Self::UserLibDir => "the per-user runtime dir",
        }
    }
}

/// A loaded ONNX Runtime: its environment, where it came from and its version.
#[derive(Debug)]
pub struct Runtime {
    /// The `ort` environment sessions are created in.
    pub env: ort::environment::Environment,
    /// Absolute path of the loaded shared library.
    pub path: PathBuf,
    /// Which rule of the search order found it.
    pub source: RuntimeSource,
    /// Version reported by the library itself.
    pub version: String,
}

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// Loads ONNX Runtime once per process and returns it; later calls return the same instance.
pub fn runtime() -> Result<&'static Runtime> {
    RUNTIME.get_or_init(load).as_ref().map_err(|e| Error::RuntimeMissing(e.clone()))
}

/// The runtime, or why it could not be loaded (kept as text: the first failure is the answer for
/// the whole process).
fn load() -> std::result::Result<Runtime, String> {
    let (path, source) = locate().ok_or_else(missing_message)?;
    let builder = ort::init_from(&path).map_err(|e| format!("loading ONNX Runtime from {}: {e}", path.display()))?;
    let env = builder.with_name("kindred").build().map_err(|e| format!("creating the ONNX Runtime environment: {e}"))?;
    let version = library_version(&path).unwrap_or_else(|| "unknown".into());
    Ok(Runtime { env, path, source, version })
}

/// Candidate paths, in order; the first existing file wins.
fn candidates() -> Vec<(PathBuf, RuntimeSource)> {
    for (var, source) in [("KINDRED_ORT_LIB", RuntimeSource::KindredOrtLib), ("ORT_DYLIB_PATH", RuntimeSource::OrtDylibPath)] {
        if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return vec![(PathBuf::from(p), source)]; // an explicit override is never second-guessed
        }
    }
    let exe = std::env::current_exe().ok();
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    candidates_for(exe.as_deref(), home.as_deref())
}

/// The search order after the environment variables, for an executable at `exe` and a user whose
/// home is `home` (either may be unknown).
fn candidates_for(exe: Option<&Path>, home: Option<&Path>) -> Vec<(PathBuf, RuntimeSource)> {
    let versioned = format!("{LIB_NAME}.{ORT_VERSION}");
    let mut out = Vec::new();
    if let Some(exe) = exe {
        // The package's own copy first, by its versioned name: an unversioned library some other
        // program left in /usr/bin or /usr is never taken over it.
        if let Some(prefix) = exe.parent().and_then(Path::parent) {
            out.push((install_lib_dir(prefix).join(&versioned), RuntimeSource::InstallLibDir));
        }
        for dir in exe.ancestors().skip(1).take(2) {
            out.push((dir.join(LIB_NAME), RuntimeSource::BesideExecutable));
        }
    }
    if let Some(home) = home {
        out.push((user_lib_dir(home).join(&versioned), RuntimeSource::UserLibDir));
    }
    out
}

/// `<prefix>/lib/kindred`: where a package (or `make install`-style layout) puts the library for
/// `<prefix>/bin/kindred`.
pub fn install_lib_dir(prefix: &Path) -> PathBuf {
    prefix.join("lib").join("kindred")
}

/// `~/.local/lib/kindred`: the per-user runtime dir (the user-level twin of `/usr/lib/kindred`;
/// the library's data dir is left to libraries).
pub fn user_lib_dir(home: &Path) -> PathBuf {
    home.join(".local").join("lib").join("kindred")
}

fn locate() -> Option<(PathBuf, RuntimeSource)> {
    candidates().into_iter().find(|(p, _)| p.is_file())
}

fn missing_message() -> String {
    let tried: Vec<String> = candidates().iter().map(|(p, _)| p.display().to_string()).collect();
    format!(
        "ONNX Runtime {ORT_VERSION} library not found (looked at: {}). Fix: install the kindred package, or run \
         `scripts/fetch-onnxruntime.sh ~/.local/lib/kindred` from a Kindred checkout (it takes \
         onnxruntime/capi/libonnxruntime.so.{ORT_VERSION} from the PyPI wheel `onnxruntime=={ORT_VERSION}`), or set \
         KINDRED_ORT_LIB=/path/to/libonnxruntime.so.{ORT_VERSION}",
        if tried.is_empty() { "nothing".into() } else { tried.join(", ") }
    )
}

/// Asks the library itself (`OrtGetApiBase()->GetVersionString()`), e.g. "1.31.1".
fn library_version(path: &std::path::Path) -> Option<String> {
    // SAFETY: the same library `ort` just loaded successfully; dlopen only bumps its refcount, and
    // OrtGetApiBase/GetVersionString are side-effect-free C functions returning a static string.
    unsafe {
        let lib = libloading::Library::new(path).ok()?;
        let get_base: libloading::Symbol<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase> = lib.get(b"OrtGetApiBase").ok()?;
        let base = get_base();
        if base.is_null() {
            return None;
        }
        let s = ((*base).GetVersionString)();
        (!s.is_null()).then(|| std::ffi::CStr::from_ptr(s).to_string_lossy().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packaged_binary_looks_in_its_own_lib_dir_then_the_users_and_nowhere_else() {
        let found = candidates_for(Some(Path::new("/usr/bin/kindred")), Some(Path::new("/home/ada")));
        let paths: Vec<(String, RuntimeSource)> = found.iter().map(|(p, s)| (p.display().to_string(), *s)).collect();
        let lib = format!("libonnxruntime.so.{ORT_VERSION}");
        assert_eq!(
            paths,
            vec![
                (format!("/usr/lib/kindred/{lib}"), RuntimeSource::InstallLibDir),
                ("/usr/bin/libonnxruntime.so".into(), RuntimeSource::BesideExecutable),
                ("/usr/libonnxruntime.so".into(), RuntimeSource::BesideExecutable),
                (format!("/home/ada/.local/lib/kindred/{lib}"), RuntimeSource::UserLibDir),
            ]
        );
    }

    #[test]
    fn the_missing_message_names_the_fix_and_every_place_looked_at() {
        let message = missing_message();
        assert!(message.contains("fetch-onnxruntime.sh ~/.local/lib/kindred"), "{message}");
        assert!(message.contains(&format!("onnxruntime=={ORT_VERSION}")), "{message}");
        for (path, _) in candidates() {
            assert!(message.contains(&path.display().to_string()), "{message} lacks {}", path.display());
        }
    }
}
