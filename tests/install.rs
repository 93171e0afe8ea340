//! Kindred as installed: `--version`, and where an installed binary finds ONNX Runtime (its own
//! lib dir, then the per-user runtime dir; never the build tree). The package itself is built,
//! installed and removed by `scripts/package-check.sh` (CI).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kindred::runtime::ORT_VERSION;

/// The test binary's own `kindred` and the runtime the build put beside it.
fn built() -> (PathBuf, PathBuf) {
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_kindred"));
    let lib = exe.with_file_name("libonnxruntime.so");
    assert!(lib.is_file(), "the build copies ONNX Runtime beside the binary: {}", lib.display());
    (exe, lib)
}

/// `from` at `to` without copying hundreds of megabytes: a hard link (the binary must not be a
/// symlink, which `current_exe` would resolve back to the build tree), else a copy.
fn place(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    if std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to).unwrap();
    }
}

/// An empty library at `dir` (`info` reads only an existing one).
fn empty_library(exe: &Path, dir: &Path) {
    let nothing = dir.with_extension("empty");
    std::fs::create_dir_all(&nothing).unwrap();
    let out = Command::new(exe).arg("--library").arg(dir).arg("import").arg(&nothing).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// Runs `exe` as an installed binary would be run: no runtime variables, `home` as HOME.
fn run(exe: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(exe).args(args).env_remove("KINDRED_ORT_LIB").env_remove("ORT_DYLIB_PATH").env("HOME", home).output().expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_names_the_version_the_model_and_the_runtime_it_loads() {
    let (exe, lib) = built();
    let out = Command::new(&exe).arg("--version").output().unwrap();
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("kindred {}", env!("CARGO_PKG_VERSION")));
    assert_eq!(lines[1], format!("model {}", kindred::model::ModelId::current()));
    assert!(lines[2].starts_with(&format!("ONNX Runtime {ORT_VERSION} ({}", lib.display())), "{stdout}");
    assert_eq!(lines.len(), 3, "{stdout}");
}

#[test]
fn an_installed_binary_finds_the_runtime_in_its_own_lib_dir_and_never_in_the_build_tree() {
    let (exe, lib) = built();
    let tmp = tempfile::tempdir().unwrap();
    let (usr, home) = (tmp.path().join("usr"), tmp.path().join("home"));
    let installed = usr.join("bin/kindred");
    let lib_dir = usr.join("lib/kindred");
    place(&exe, &installed);
    place(&lib, &lib_dir.join(format!("libonnxruntime.so.{ORT_VERSION}")));

    let library = tmp.path().join("library");
    empty_library(&exe, &library);
    let out = run(&installed, &home, &["--library", library.to_str().unwrap(), "info", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["runtime_source"], "install-lib-dir");
    assert_eq!(info["runtime_path"], lib_dir.join(format!("libonnxruntime.so.{ORT_VERSION}")).to_str().unwrap());
    assert!(text(&run(&installed, &home, &["--version"]).stdout).contains("the install's lib dir"));

    // Without it, the binary looks nowhere near the build tree, and says how to fix it.
    std::fs::remove_dir_all(&lib_dir).unwrap();
    let art = tmp.path().join("art.png");
    image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, 128])).save(&art).unwrap();
    let out = run(&installed, &home, &["--library", library.to_str().unwrap(), "import", art.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("library not found") && err.contains("fetch-onnxruntime.sh ~/.local/lib/kindred"), "{err}");
    let build_dir = exe.parent().unwrap().to_str().unwrap();
    assert!(!err.contains(build_dir), "looked in the build tree {build_dir}: {err}");
}

#[test]
fn a_cargo_installed_binary_finds_the_runtime_in_the_per_user_runtime_dir() {
    let (exe, lib) = built();
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let installed = home.join(".cargo/bin/kindred");
    let user_lib = home.join(format!(".local/lib/kindred/libonnxruntime.so.{ORT_VERSION}"));
    place(&exe, &installed);
    place(&lib, &user_lib);
    let library = tmp.path().join("library");
    empty_library(&exe, &library);
    let out = run(&installed, &home, &["--library", library.to_str().unwrap(), "info", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["runtime_source"], "user-lib-dir");
    assert_eq!(info["runtime_path"], user_lib.to_str().unwrap());
}

#[test]
fn open_without_an_image_starts_the_app_as_a_launcher_does_with_no_file() {
    // `Exec=kindred --open %f` from the menu passes `--open` alone: not a usage error (2), the
    // app starts (here: no display, the app's own error).
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kindred"))
        .args(["--library", tmp.path().join("library").to_str().unwrap(), "--open"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no display"), "{}", text(&out.stderr));
}

#[test]
fn the_desktop_entry_opens_images_with_kindred() {
    let entry = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/kindred.desktop")).unwrap();
    let field = |key: &str| entry.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap_or_default().to_string();
    assert_eq!(field("Exec"), "kindred --open %f");
    assert_eq!(field("Icon"), "kindred");
    assert_eq!(field("StartupWMClass"), "kindred", "the window's app id (src/gui/mod.rs)");
    let mime: Vec<&str> = entry.lines().find_map(|l| l.strip_prefix("MimeType=")).unwrap().split_terminator(';').collect();
    // Exactly the formats Kindred reads (issue 15 added PSD, Krita, SVG, HEIC, AVIF, JPEG XL...).
    let mut expected: Vec<&str> = kindred::decode::Format::ALL.iter().flat_map(|f| f.mime_types()).copied().collect();
    expected.sort_unstable();
    let mut declared = mime.clone();
    declared.sort_unstable();
    assert_eq!(declared, expected);
}
