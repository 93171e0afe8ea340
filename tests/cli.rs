//! The `kindred` binary as scripts use it: JSON output, exit codes, error messages.

mod common;

use std::process::{Command, Output};

use common::*;

fn kindred(lib: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kindred")).arg("--library").arg(lib).args(args).output().expect("binary runs")
}

fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn import_search_info_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..12], &art);

    let summary = stdout_json(&kindred(&lib, &["import", art.to_str().unwrap(), "--json"]));
    assert_eq!(summary["added"], 12);

    let q1 = tmp.path().join("q1.jpg");
    near_duplicate(&files[1], &q1);
    let out = kindred(&lib, &["search", q1.to_str().unwrap(), files[6].to_str().unwrap(), "--top", "3", "--json"]);
    let results = stdout_json(&out);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 2, "one entry per query");
    assert_eq!(results[0]["query"], q1.to_str().unwrap());
    let first = &results[0]["results"][0];
    assert!(first["path"].as_str().unwrap().ends_with(files[1].file_name().unwrap().to_str().unwrap()));
    assert!(first["score"].as_f64().unwrap() > 0.0 && first["id"].as_i64().is_some());
    assert_eq!(results[1]["results"].as_array().unwrap().len(), 3);

    let colour = stdout_json(&kindred(&lib, &["search", q1.to_str().unwrap(), "--aspect", "colour", "--json"]));
    let weighted = stdout_json(&kindred(&lib, &["search", q1.to_str().unwrap(), "--weights", "1,0,0", "--json"]));
    assert_eq!(colour, weighted, "--aspect colour is --weights 1,0,0");

    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!(info["counts"]["ok"], 12);
    assert_eq!(info["metric"], "cosine");
    assert_eq!(info["runtime"], kindred::runtime::ORT_VERSION);
    assert_eq!(info["index"]["kind"], "exact");
    let formats: Vec<&str> = info["formats"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    for format in ["jpg", "png", "psd", "kra", "ora", "svg", "heic", "avif", "jxl", "tga", "ico"] {
        assert!(formats.contains(&format), "{format} in {formats:?}");
    }
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let out = kindred(&lib, &["search"]);
    assert_eq!(out.status.code(), Some(2));
    // Bad flag values are usage errors: exit 2, one line, and no library created on disk first.
    for bad in [&["--weights", "1,2"][..], &["--aspect", "bogus"], &["--top", "-1"], &["id:abc"]] {
        let out = kindred(&lib, &[&["search", "x.png"][..], bad].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{bad:?}: one line: {err}");
        assert!(err.starts_with("kindred: usage: "), "{bad:?}: {err}");
        assert!(!lib.exists(), "{bad:?} created the library");
    }
    // A missing query file, in a library that exists (search never creates one).
    assert!(kindred(&lib, &["import", sample_files()[0].to_str().unwrap()]).status.success());
    let out = kindred(&lib, &["search", tmp.path().join("nope.png").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("kindred: error: ") && err.contains("nope.png"), "{err}");
}

#[test]
fn missing_runtime_fails_with_instructions() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kindred"))
        .env("KINDRED_ORT_LIB", tmp.path().join("absent.so"))
        .args(["--library", tmp.path().join("lib").to_str().unwrap(), "import"])
        .arg(sample_files()[0].parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ONNX Runtime") && err.contains("fetch-onnxruntime.sh") && err.contains("KINDRED_ORT_LIB"), "{err}");
}

#[test]
fn a_second_importer_is_refused_while_searches_keep_working() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    let files = make_corpus(&art, 300);
    assert!(kindred(&lib, &["import", files[0].to_str().unwrap()]).status.success());
    let mut first = spawn_import(&lib, &art);
    std::thread::sleep(std::time::Duration::from_millis(400));
    let second = kindred(&lib, &["import", art.to_str().unwrap()]);
    let search = kindred(&lib, &["search", files[1].to_str().unwrap(), "--json"]);
    assert!(first.try_wait().unwrap().is_none(), "the first import should still be running");
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("another Kindred process is importing"), "{err}");
    assert!(search.status.success(), "search during an import: {}", String::from_utf8_lossy(&search.stderr));
    assert!(first.wait().unwrap().success());
}

#[test]
fn damaged_catalog_and_altered_model_get_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(lib.join("catalog.sqlite"), vec![0xA5u8; 16384]).unwrap();
    let out = kindred(&lib, &["info"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("catalog.sqlite") && err.contains("damaged") && err.contains("backup"), "{err}");

    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/kindred-efficientnet-lite0.onnx");
    let mut bytes = std::fs::read(model).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    let altered = tmp.path().join("altered.onnx");
    std::fs::write(&altered, bytes).unwrap();
    // A library to search in (made without the model: an empty folder imports nothing).
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(kindred(&tmp.path().join("lib2"), &["import", empty.to_str().unwrap()]).status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_kindred"))
        .env("KINDRED_MODEL", &altered)
        .arg("--library")
        .arg(tmp.path().join("lib2"))
        .arg("search")
        .arg(&sample_files()[0])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sha256") && err.contains("altered.onnx"), "{err}");
}

#[test]
fn a_read_only_library_still_searches() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    let files = copy_into(&sample_files()[..6], &art);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    let _guard = Immutable::new(&lib);
    assert!(std::fs::File::create(lib.join("probe")).is_err(), "directory should be read-only now");

    let search = kindred(&lib, &["search", files[0].to_str().unwrap(), "--json"]);
    let results = stdout_json(&search);
    assert_eq!(results[0]["results"].as_array().unwrap().len(), 5);
    assert!(String::from_utf8_lossy(&search.stderr).contains("read-only"), "the user is told");
    assert_eq!(stdout_json(&kindred(&lib, &["info", "--json"]))["read_only"], true);

    let import = kindred(&lib, &["import", art.to_str().unwrap()]);
    assert_eq!(import.status.code(), Some(1));
    let err = String::from_utf8_lossy(&import.stderr);
    assert!(err.contains("read-only") && err.contains("cannot import"), "{err}");
}

/// A command run without the power to bypass file permissions. Root (CI) keeps its uid but loses
/// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its bounding set (`setpriv`, util-linux), so a
/// mode-000 file is as unreadable to it as to anyone; other users need nothing.
fn without_dac_override(program: impl AsRef<std::ffi::OsStr>) -> Command {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata("/proc/self").expect("/proc is mounted").uid() == 0;
    if !root {
        return Command::new(program);
    }
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].into_iter().find(|p| std::path::Path::new(p).exists());
    let setpriv = setpriv.expect("running as root, this test needs setpriv (Debian package util-linux) to drop CAP_DAC_OVERRIDE");
    let mut cmd = Command::new(setpriv);
    cmd.args(["--bounding-set", "-dac_override,-dac_read_search", "--"]).arg(program);
    cmd
}

/// Sets a path's permission bits.
fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn unreadable_file_and_folder_are_reported_and_nothing_else_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    let samples = sample_files();
    copy_into(&samples[..3], &art);
    let sub = art.join("sub");
    copy_into(&samples[3..5], &sub);
    let first = stdout_json(&kindred(&lib, &["import", art.to_str().unwrap(), "--json"]));
    assert_eq!((first["added"].as_u64(), first["failed"].as_u64()), (Some(5), Some(0)));

    // Now: a new unreadable file, a new readable one, and the already imported sub-folder unreadable.
    let locked = copy_into(&samples[5..6], &art).remove(0);
    let locked = {
        let renamed = art.join("locked.png");
        std::fs::rename(&locked, &renamed).unwrap();
        renamed
    };
    copy_into(&samples[6..7], &art);
    chmod(&locked, 0o000);
    chmod(&sub, 0o000);
    let restore = || {
        chmod(&locked, 0o644);
        chmod(&sub, 0o755);
    };

    // The test means nothing unless the importer really cannot read them.
    let cat = without_dac_override("cat").arg(&locked).output().expect("cat runs");
    let ls = without_dac_override("ls").arg(&sub).output().expect("ls runs");
    if cat.status.success() || ls.status.success() {
        restore();
        panic!(
            "permissions are not enforced for the importer (cat: {}, ls: {}); the test cannot prove anything",
            String::from_utf8_lossy(&cat.stderr),
            String::from_utf8_lossy(&ls.stderr)
        );
    }

    let out = without_dac_override(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(&lib)
        .args(["import", art.to_str().unwrap(), "--json"])
        .output()
        .expect("kindred runs");
    restore();
    let second = stdout_json(&out);
    assert_eq!(second["added"], 1, "the readable new file is imported: {second}");
    assert_eq!(second["unchanged"], 3, "{second}");
    assert_eq!(second["failed"], 1, "{second}");
    assert_eq!(second["missing"], 0, "artworks in an unreadable folder are not missing: {second}");
    let errors: Vec<(String, String)> = serde_json::from_value(second["errors"].clone()).unwrap();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let reason = |p: &std::path::Path| {
        let p = std::fs::canonicalize(p).unwrap();
        errors.iter().find(|(e, _)| std::path::Path::new(e) == p).map(|(_, r)| r.clone()).unwrap_or_default()
    };
    let (file_reason, folder_reason) = (reason(&locked), reason(&sub));
    assert!(file_reason.contains("cannot read") && file_reason.contains("ermission denied"), "{errors:?}");
    assert!(folder_reason.contains("cannot read folder") && folder_reason.contains("ermission denied"), "{errors:?}");

    // Nothing was lost: the sub-folder's artworks are still searchable.
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!((info["counts"]["ok"].as_u64(), info["counts"]["missing"].as_u64()), (Some(6), Some(0)), "{info}");
    let hits = stdout_json(&kindred(&lib, &["search", sub.join(samples[3].file_name().unwrap()).to_str().unwrap(), "--json"]));
    assert_eq!(hits[0]["results"].as_array().unwrap().len(), 5);

    // Readable again: the file is retried (a read error is not remembered like a decode error).
    let third = stdout_json(&kindred(&lib, &["import", art.to_str().unwrap(), "--json"]));
    assert_eq!((third["updated"].as_u64(), third["failed"].as_u64(), third["unchanged"].as_u64()), (Some(1), Some(0), Some(6)), "{third}");
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!((info["counts"]["ok"].as_u64(), info["counts"]["failed"].as_u64()), (Some(7), Some(0)), "{info}");
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(kindred(&dir.path().join("lib"), &["import", empty.to_str().unwrap()]).status.success());
    // The reading end is gone before the command writes a byte (as with `kindred info | head -0`).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(dir.path().join("lib"))
        .args(["info", "--json"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "stderr: {stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "status {:?}, stderr: {stderr}", out.status);
}
