//! Locating and loading the ONNX Runtime shared library (`ort` with `load-dynamic`).
//!
//! Search order: `KINDRED_ORT_LIB`, `ORT_DYLIB_PATH`, next to the executable (where the build
//! script copies it; test binaries live one level deeper in `deps/`), then the build-time cache.

use std::path::PathBuf;
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// ONNX Runtime version this build is pinned to (see `build.rs`).
pub const ORT_VERSION: &str = env!("KINDRED_ORT_VERSION");

/// File name the build script gives the library next to the binaries.
const LIB_NAME: &str = "libonnxruntime.so";

/// A loaded ONNX Runtime: its environment, where it came from and its version.
#[derive(Debug)]
pub struct Runtime {
    /// The `ort` environment sessions are created in.
    pub env: ort::environment::Environment,
    /// Absolute path of the loaded shared library.
    pub path: PathBuf,
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
    let path = locate().ok_or_else(missing_message)?;
    let builder = ort::init_from(&path).map_err(|e| format!("loading ONNX Runtime from {}: {e}", path.display()))?;
    let env = builder.with_name("kindred").build().map_err(|e| format!("creating the ONNX Runtime environment: {e}"))?;
    let version = library_version(&path).unwrap_or_else(|| "unknown".into());
    Ok(Runtime { env, path, version })
}

/// Candidate paths, in order; the first existing file wins.
fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for var in ["KINDRED_ORT_LIB", "ORT_DYLIB_PATH"] {
        if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            out.push(PathBuf::from(p));
            return out; // an explicit override is never second-guessed
        }
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(2) {
            out.push(dir.join(LIB_NAME));
        }
    }
    if let Some(p) = option_env!("KINDRED_ORT_BUILD_LIB") {
        out.push(PathBuf::from(p));
    }
    out
}

fn locate() -> Option<PathBuf> {
    candidates().into_iter().find(|p| p.is_file())
}

fn missing_message() -> String {
    let tried: Vec<String> = candidates().iter().map(|p| p.display().to_string()).collect();
    format!(
        "ONNX Runtime {ORT_VERSION} library not found (looked at: {}). Get it with \
         `scripts/fetch-onnxruntime.sh` (or `pip download onnxruntime=={ORT_VERSION} --no-deps` and unzip \
         onnxruntime/capi/libonnxruntime.so.{ORT_VERSION} from the wheel), then set KINDRED_ORT_LIB=/path/to/it \
         or rebuild with cargo so it is copied next to the binary",
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
