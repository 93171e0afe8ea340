//! Build script: provision ONNX Runtime the way `ort`'s `download-binaries` + `copy-dylibs` would,
//! but from the PyPI `onnxruntime` wheel (the only registry this project may reach).
//!
//! 0. The release is the one place it is pinned: `onnxruntime` in `[package.metadata.kindred]` of
//!    `Cargo.toml` (the scripts read it there too, through `scripts/lib.sh`). It reaches the crate
//!    as `env!("KINDRED_ORT_VERSION")`. A missing or garbled entry fails the build.
//! 1. Find the shared library: `KINDRED_ORT_LIB` / `ORT_DYLIB_PATH` if set, else the per-user cache
//!    (`$KINDRED_CACHE_DIR` or `$XDG_CACHE_HOME/kindred` or `~/.cache/kindred`).
//! 2. If it is not cached, `pip download` the pinned wheel and extract `libonnxruntime.so.*` from it.
//! 3. Copy it next to the binaries (`target/<profile>/libonnxruntime.so`), so `target/release/kindred`
//!    works on its own and `cargo test` finds it too.
//! 4. Install it in the per-user runtime dir `~/.local/lib/kindred/` (see `src/runtime.rs`): the
//!    only way a `cargo install`ed binary, copied alone to `~/.cargo/bin`, finds it. No path is
//!    baked into the binary: the installed binary looks only where `src/runtime.rs` says.
//!
//! Any provisioning failure (steps 1–3) is a build *warning*, not an error: the binary still builds
//! and explains at run time exactly how to provide the library (see `src/runtime.rs`).

use std::env;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the pinned ONNX Runtime release is written: `Cargo.toml`, this table, this key.
const METADATA_TABLE: &str = "[package.metadata.kindred]";
const METADATA_KEY: &str = "onnxruntime";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.toml");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default()).join("Cargo.toml");
    let pinned = fs::read_to_string(&manifest).map_err(|e| e.to_string()).and_then(|t| pinned_ort_version(&t));
    let ort_version = match &pinned {
        Ok(v) => v.as_str(),
        Err(e) => {
            // A build error (cargo shows this stderr), not a warning: the crate embeds the version.
            eprintln!("error: cannot read the ONNX Runtime version from {}: {e}", manifest.display());
            std::process::exit(1);
        }
    };
    for var in ["KINDRED_ORT_LIB", "ORT_DYLIB_PATH", "KINDRED_CACHE_DIR", "KINDRED_SKIP_ORT_FETCH"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rustc-env=KINDRED_ORT_VERSION={ort_version}");
    if !cfg!(target_os = "linux") {
        println!("cargo:warning=automatic ONNX Runtime provisioning is implemented for Linux only; set KINDRED_ORT_LIB at run time");
        return;
    }
    match provision(ort_version) {
        Ok(lib) => {
            if let Err(e) = copy_next_to_binaries(&lib) {
                println!("cargo:warning=could not copy ONNX Runtime next to the binaries: {e}");
            }
            if let Err(e) = install_for_user(&lib, ort_version) {
                println!("cargo:warning=could not install ONNX Runtime in ~/.local/lib/kindred (an installed kindred will say how): {e}");
            }
        }
        Err(e) => println!(
            "cargo:warning=ONNX Runtime {ort_version} was not provisioned ({e}); run scripts/fetch-onnxruntime.sh or set KINDRED_ORT_LIB"
        ),
    }
}

/// The `onnxruntime = "X.Y.Z"` line of `[package.metadata.kindred]` in the manifest's text (plain
/// line parsing: one `key = "value"` per line, an optional trailing `# comment`).
fn pinned_ort_version(manifest: &str) -> Result<String, String> {
    let mut in_table = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = line.split('#').next().unwrap_or("").trim() == METADATA_TABLE;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        if !in_table || key.trim() != METADATA_KEY {
            continue;
        }
        let value = value.split('#').next().unwrap_or("").trim();
        let version = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
        return match version {
            Some(v)
                if !v.is_empty()
                    && v.split('.').count() == 3
                    && v.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) =>
            {
                Ok(v.to_string())
            }
            _ => Err(format!("`{METADATA_KEY} = {value}` in {METADATA_TABLE} is not a quoted release like \"1.2.3\"")),
        };
    }
    Err(format!("no `{METADATA_KEY} = \"X.Y.Z\"` line in a {METADATA_TABLE} table"))
}

fn provision(ort_version: &str) -> Result<PathBuf, String> {
    for var in ["KINDRED_ORT_LIB", "ORT_DYLIB_PATH"] {
        if let Some(p) = env::var_os(var).filter(|v| !v.is_empty()) {
            let p = PathBuf::from(p);
            return if p.is_file() { Ok(p) } else { Err(format!("{var}={} is not a file", p.display())) };
        }
    }
    let dir = cache_dir()?.join(format!("onnxruntime-{ort_version}"));
    let lib = dir.join(format!("libonnxruntime.so.{ort_version}"));
    if lib.is_file() {
        return Ok(lib);
    }
    if env::var_os("KINDRED_SKIP_ORT_FETCH").is_some() {
        return Err("not cached and KINDRED_SKIP_ORT_FETCH is set".into());
    }
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let wheel = download_wheel(&dir, ort_version)?;
    extract_library(&wheel, &lib, ort_version)?;
    let _ = fs::remove_file(&wheel); // the wheel is 24 MB and no longer needed
    Ok(lib)
}

fn cache_dir() -> Result<PathBuf, String> {
    if let Some(d) = env::var_os("KINDRED_CACHE_DIR") {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d).join("kindred"));
    }
    env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/kindred")).ok_or_else(|| "no HOME".into())
}

/// `pip download` the wheel for this platform (any CPython tag carries the same library).
fn download_wheel(dir: &Path, ort_version: &str) -> Result<PathBuf, String> {
    let spec = format!("onnxruntime=={ort_version}");
    let mut last_err = String::from("no python3/pip found");
    for (prog, pre) in [("python3", &["-m", "pip"][..]), ("pip3", &[][..]), ("pip", &[][..])] {
        let out = Command::new(prog)
            .args(pre)
            .args(["download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check", "-q", "-d"])
            .arg(dir)
            .arg(&spec)
            .output();
        match out {
            Ok(o) if o.status.success() => {
                return fs::read_dir(dir)
                    .map_err(|e| e.to_string())?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .find(|p| p.extension().is_some_and(|x| x == "whl"))
                    .ok_or_else(|| "pip reported success but left no wheel".into());
            }
            Ok(o) => last_err = format!("{prog} failed: {}", String::from_utf8_lossy(&o.stderr).trim()),
            Err(e) => last_err = format!("{prog}: {e}"),
        }
    }
    Err(last_err)
}

/// Extracts the library to `dest`, and the wheel's licence files (what the package ships, see
/// `scripts/package.sh`) beside it.
fn extract_library(wheel: &Path, dest: &Path, ort_version: &str) -> Result<(), String> {
    let file = fs::File::open(wheel).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
    let dir = dest.parent().ok_or("no directory for the library")?;
    for notice in ["LICENSE", "ThirdPartyNotices.txt"] {
        extract(&mut zip, &format!("onnxruntime/{notice}"), &dir.join(notice))?;
    }
    // The library last: its presence is what says the cache is complete.
    extract(&mut zip, &format!("onnxruntime/capi/libonnxruntime.so.{ort_version}"), dest)
}

fn extract(zip: &mut zip::ZipArchive<fs::File>, name: &str, dest: &Path) -> Result<(), String> {
    let mut entry = zip.by_name(name).map_err(|e| format!("{name} not in wheel: {e}"))?;
    let mut bytes = Vec::with_capacity(entry.size() as usize);
    entry.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    let tmp = dest.with_extension("partial");
    fs::write(&tmp, &bytes).map_err(|e| e.to_string())?;
    fs::rename(&tmp, dest).map_err(|e| e.to_string())
}

/// `~/.local/lib/kindred/libonnxruntime.so.<version>`, the per-user runtime dir `src/runtime.rs`
/// searches last (replaced only when the size differs: an equal file is left alone).
fn install_for_user(lib: &Path, ort_version: &str) -> Result<(), String> {
    let home = env::var_os("HOME").filter(|h| !h.is_empty()).ok_or("no HOME")?;
    let dir = PathBuf::from(home).join(".local/lib/kindred");
    let dest = dir.join(format!("libonnxruntime.so.{ort_version}"));
    let src_len = fs::metadata(lib).map_err(|e| e.to_string())?.len();
    if fs::metadata(&dest).is_ok_and(|m| m.len() == src_len) {
        return Ok(());
    }
    fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let tmp = dir.join(format!("libonnxruntime.so.{ort_version}.partial"));
    fs::copy(lib, &tmp).map_err(|e| e.to_string())?;
    fs::rename(&tmp, &dest).map_err(|e| e.to_string())
}

/// `OUT_DIR` is `target/<profile>/build/<pkg>-<hash>/out`: the profile directory is three levels up.
fn copy_next_to_binaries(lib: &Path) -> Result<(), String> {
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or("no OUT_DIR")?);
    let profile_dir = out.ancestors().nth(3).ok_or("unexpected OUT_DIR layout")?;
    let dest = profile_dir.join("libonnxruntime.so");
    let src_len = fs::metadata(lib).map_err(|e| e.to_string())?.len();
    if fs::metadata(&dest).is_ok_and(|m| m.len() == src_len) {
        return Ok(());
    }
    let tmp = profile_dir.join("libonnxruntime.so.partial");
    fs::copy(lib, &tmp).map_err(|e| e.to_string())?;
    fs::rename(&tmp, &dest).map_err(|e| e.to_string())
}
