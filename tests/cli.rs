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

#[test]
fn duplicates_lists_groups_of_copies_in_text_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("my art");
    let files = copy_into(&sample_files()[..6], &art);
    std::fs::copy(&files[2], art.join("copy of it.png")).unwrap();
    let lib = tmp.path().join("lib");
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    let out = kindred(&lib, &["duplicates", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json = stdout_json(&out);
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{json}");
    assert_eq!(groups[0]["kind"], "exact");
    let members = groups[0]["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    for m in members {
        assert!(m["id"].is_i64() && m["size"].as_u64().unwrap() > 0 && m["width"].as_u64().unwrap() > 0 && m["height"].is_u64(), "{m}");
    }
    let text = kindred(&lib, &["duplicates"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.starts_with("1 picture is in the library more than once (1 copy); best quality first:"), "{text}");
    assert!(text.contains("copy of it.png") && text.contains("2 identical files"), "{text}");
    let bad = kindred(&lib, &["duplicates", "--threshold", "2"]);
    assert_eq!(bad.status.code(), Some(2), "a usage error: {}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("threshold 2"));
}

/// Runs `kindred` and returns stdout as text, asserting success.
fn ok_text(out: &Output) -> String {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn board_verbs_list_show_add_remove_rename_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..6], &art);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    let path = |i: usize| files[i].to_str().unwrap().to_owned();

    // A new library has Favourites, empty.
    let list = stdout_json(&kindred(&lib, &["board", "list", "--json"]));
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!((list[0]["name"].as_str(), list[0]["items"].as_i64()), (Some("Favourites"), Some(0)));

    // add: files in the library or id:N; the board is made on first use; repeats are counted.
    let out = ok_text(&kindred(&lib, &["board", "add", "Blue studies", &path(0), &path(1)]));
    assert_eq!(out, "created board Blue studies\nadded 2 artworks to Blue studies\n");
    let shown = stdout_json(&kindred(&lib, &["board", "show", "blue STUDIES", "--json"]));
    let id1 = shown["items"][1]["id"].as_i64().unwrap();
    assert!(shown["items"][0]["path"].as_str().unwrap().ends_with(files[0].file_name().unwrap().to_str().unwrap()));
    assert_eq!(shown["items"][1]["scale"], 1.0);
    let out = ok_text(&kindred(&lib, &["board", "add", "Blue studies", &format!("id:{id1}"), &path(2)]));
    assert_eq!(out, "added 1 artwork to Blue studies (1 already on it)\n");
    assert!(ok_text(&kindred(&lib, &["board", "add", "favourites", &path(3)])).contains("to Favourites"));

    // A file outside the library is refused with what to do; nothing changes.
    let outside = tmp.path().join("outside.png");
    std::fs::copy(&files[4], &outside).unwrap();
    let out = kindred(&lib, &["board", "add", "Blue studies", outside.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("not in the library") && err.contains("import it first"), "{err}");

    let text = ok_text(&kindred(&lib, &["board", "list"]));
    assert_eq!(text, "Favourites               1 artwork\nBlue studies             3 artworks\n");
    let text = ok_text(&kindred(&lib, &["board", "show", "Blue studies"]));
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(text.starts_with("Blue studies (3 artworks)\n  id:"), "{text}");

    // remove
    let out = ok_text(&kindred(&lib, &["board", "remove", "Blue studies", &path(0), &path(5)]));
    assert_eq!(out, "removed 1 artwork from Blue studies (1 was not on it)\n");
    assert!(files[0].exists(), "removing never touches the file");

    // rename: another board's name (any case) is refused; Favourites keeps its name.
    let out = kindred(&lib, &["board", "rename", "Blue studies", "FAVOURITES"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("already a board named"), "{out:?}");
    let out = kindred(&lib, &["board", "rename", "Favourites", "Loved"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(ok_text(&kindred(&lib, &["board", "rename", "Blue studies", "Cobalt"])), "renamed Blue studies to Cobalt\n");

    // delete: the artworks stay; Favourites cannot go; an unknown name lists the boards.
    assert_eq!(ok_text(&kindred(&lib, &["board", "delete", "cobalt"])), "deleted board cobalt (2 artworks stay in the library)\n");
    assert_eq!(kindred(&lib, &["board", "delete", "Favourites"]).status.code(), Some(1));
    let out = kindred(&lib, &["board", "show", "Cobalt"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no board named") && err.contains("(boards: Favourites)"), "{err}");
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!(info["counts"]["ok"], 6);
    // Usage errors exit 2 before anything is opened.
    assert_eq!(kindred(&lib, &["board", "add", "X"]).status.code(), Some(2));
    assert_eq!(kindred(&lib, &["board", "frobnicate"]).status.code(), Some(2));
    // Read-only verbs never create a library.
    let nowhere = tmp.path().join("nowhere");
    assert_eq!(kindred(&nowhere, &["board", "list"]).status.code(), Some(1));
    assert!(!nowhere.exists());
}

#[test]
fn board_export_copies_files_and_writes_a_contact_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    // Two files of the same name in two folders: the second copy gets a suffix.
    let one = copy_into(&sample_files()[..2], &tmp.path().join("one"));
    let two = tmp.path().join("two");
    std::fs::create_dir_all(&two).unwrap();
    let twin = two.join(one[0].file_name().unwrap());
    std::fs::copy(&sample_files()[5], &twin).unwrap();
    assert!(kindred(&lib, &["import", one[0].parent().unwrap().to_str().unwrap(), two.to_str().unwrap()]).status.success());
    let args = ["board", "add", "Client", one[0].to_str().unwrap(), one[1].to_str().unwrap(), twin.to_str().unwrap()];
    assert!(kindred(&lib, &args).status.success());

    let out_dir = tmp.path().join("out");
    let sheet = tmp.path().join("sheet.png");
    let json = stdout_json(&kindred(
        &lib,
        &["board", "export", "Client", out_dir.to_str().unwrap(), "--sheet", sheet.to_str().unwrap(), "--json"],
    ));
    let copied: Vec<&str> = json["copied"].as_array().unwrap().iter().map(|c| c["to"].as_str().unwrap()).collect();
    let stem = one[0].file_stem().unwrap().to_str().unwrap();
    let ext = one[0].extension().unwrap().to_str().unwrap();
    assert_eq!(copied.len(), 3);
    assert!(copied[2].ends_with(&format!("{stem} (2).{ext}")), "{copied:?}");
    assert_eq!(std::fs::read(copied[2]).unwrap(), std::fs::read(&twin).unwrap());
    assert!(one[0].exists() && twin.exists(), "originals stay");
    assert_eq!(json["sheet"]["artworks"], 3);
    let png = image::open(&sheet).unwrap();
    assert_eq!(png.width() as u64, json["sheet"]["width"].as_u64().unwrap());

    // Again into the same folder: new names, nothing overwritten; the sheet is not overwritten.
    let text = ok_text(&kindred(&lib, &["board", "export", "Client", out_dir.to_str().unwrap()]));
    assert_eq!(text, format!("copied 3 files to {}\n", out_dir.display()));
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 6);
    let out = kindred(&lib, &["board", "export", "Client", out_dir.to_str().unwrap(), "--sheet", sheet.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    // A file deleted since import is skipped and reported; the command exits 1 after the others.
    std::fs::remove_file(&one[1]).unwrap();
    let out = kindred(&lib, &["board", "export", "Client", tmp.path().join("out2").to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("skipped") && err.contains("missing"), "{err}");
    assert_eq!(std::fs::read_dir(tmp.path().join("out2")).unwrap().count(), 2);
}

#[test]
fn board_similar_is_a_search_by_the_whole_board_without_its_members() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..12], &art);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    let out = kindred(&lib, &["board", "similar", "Favourites"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no searchable artworks"), "an empty board: {out:?}");
    assert!(kindred(&lib, &["board", "add", "Pair", files[2].to_str().unwrap(), files[7].to_str().unwrap()]).status.success());
    let json = stdout_json(&kindred(&lib, &["board", "similar", "pair", "--top", "20", "--json"]));
    assert_eq!(json[0]["query"], "board:Pair");
    let results = json[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 10, "every artwork but the two members");
    let board = stdout_json(&kindred(&lib, &["board", "show", "Pair", "--json"]));
    let members: Vec<i64> = board["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
    assert!(results.iter().all(|r| !members.contains(&r["id"].as_i64().unwrap())));
    // The same shape as `search --json`: the keys of a hit match.
    let search = stdout_json(&kindred(&lib, &["search", files[2].to_str().unwrap(), "--top", "1", "--json"]));
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&search[0]), keys(&json[0]));
    assert_eq!(keys(&search[0]["results"][0]), keys(&results[0]));
    // Scores descend.
    assert!(results.windows(2).all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));
    let text = ok_text(&kindred(&lib, &["board", "similar", "Pair", "-k", "3", "--aspect", "colour"]));
    assert_eq!(text.lines().count(), 4, "{text}");
}

#[test]
fn map_prints_points_and_clusters_keeps_them_and_draws_a_png() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    assert!(kindred(&lib, &["import", samples_dir().to_str().unwrap()]).status.success());
    let artworks = stdout_json(&kindred(&lib, &["info", "--json"]))["counts"]["ok"].as_u64().unwrap() as usize;
    let json = stdout_json(&kindred(&lib, &["map", "--json"]));
    let points = json["points"].as_array().unwrap();
    assert_eq!(points.len(), artworks);
    let clusters = json["clusters"].as_array().unwrap();
    for p in points {
        assert!(p["id"].is_i64() && p["path"].as_str().unwrap().contains("samples"), "{p}");
        for axis in ["x", "y"] {
            assert!((0.0..=1.0).contains(&p[axis].as_f64().unwrap()), "{p}");
        }
        assert!(p["cluster"].is_null() || (p["cluster"].as_u64().unwrap() as usize) < clusters.len(), "{p}");
    }
    for (i, c) in clusters.iter().enumerate() {
        assert_eq!(c["id"].as_u64(), Some(i as u64));
        let in_it = points.iter().filter(|p| p["cluster"].as_u64() == Some(i as u64)).count();
        assert_eq!(c["size"].as_u64(), Some(in_it as u64), "{c}");
        assert!(!c["palette"].as_array().unwrap().is_empty(), "{c}");
    }
    // Kept in the library: the same map again; a damaged file is computed again, never trusted.
    let saved = lib.join("map/all.json");
    assert!(saved.is_file());
    assert_eq!(stdout_json(&kindred(&lib, &["map", "--json"])), json);
    std::fs::write(&saved, b"{\"format\":1}\nnot json").unwrap();
    assert_eq!(stdout_json(&kindred(&lib, &["map", "--json"])), json);
    assert_ne!(std::fs::read(&saved).unwrap(), b"{\"format\":1}\nnot json");
    // Per aspect: another map, in its own file.
    let colour = stdout_json(&kindred(&lib, &["map", "--aspect", "colour", "--json"]));
    assert_eq!(colour["points"].as_array().unwrap().len(), artworks);
    assert_ne!(colour["points"], json["points"]);
    assert!(lib.join("map/colour.json").is_file());
    // The picture.
    let png = tmp.path().join("map.png");
    let text = ok_text(&kindred(&lib, &["map", "--png", png.to_str().unwrap()]));
    assert!(text.starts_with(&format!("map of {artworks} artworks: ")) && text.contains("wrote"), "{text}");
    let picture = image::open(&png).unwrap();
    assert_eq!((picture.width(), picture.height()), (1600, 1600));
    // Never over an existing file; a folder that does not exist is named.
    let again = kindred(&lib, &["map", "--png", png.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"), "{}", String::from_utf8_lossy(&again.stderr));
    let nowhere = tmp.path().join("no such folder/map.png");
    let out = kindred(&lib, &["map", "--png", nowhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"), "{}", String::from_utf8_lossy(&out.stderr));
    let bad = kindred(&lib, &["map", "--aspect", "smell"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn map_of_an_empty_or_one_artwork_library_and_of_no_library() {
    let tmp = tempfile::tempdir().unwrap();
    let none = kindred(&tmp.path().join("nothing here"), &["map"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("no library at"), "{}", String::from_utf8_lossy(&none.stderr));
    assert!(!tmp.path().join("nothing here").exists());
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let lib = tmp.path().join("lib");
    assert!(kindred(&lib, &["import", empty.to_str().unwrap()]).status.success());
    let out = kindred(&lib, &["map", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no artworks to map yet: import some first"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one = tmp.path().join("one");
    copy_into(&sample_files()[..1], &one);
    assert!(kindred(&lib, &["import", one.to_str().unwrap()]).status.success());
    let json = stdout_json(&kindred(&lib, &["map", "--json"]));
    assert_eq!(json["points"].as_array().unwrap().len(), 1);
    assert_eq!((json["points"][0]["x"].as_f64(), json["points"][0]["y"].as_f64()), (Some(0.5), Some(0.5)));
    assert!(json["clusters"].as_array().unwrap().is_empty());
    let png = tmp.path().join("one.png");
    assert!(kindred(&lib, &["map", "--png", png.to_str().unwrap()]).status.success());
    assert!(png.is_file());
}

/// `kindred import` without paths rescans the folders the library remembers: new files are added,
/// deleted ones marked missing; a folder that is not there is reported and its artworks kept.
#[test]
fn import_without_paths_rescans_the_remembered_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let empty = kindred(&lib, &["import"]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("follows no folders yet"), "{}", String::from_utf8_lossy(&empty.stderr));
    let (art, drive) = (tmp.path().join("art"), tmp.path().join("drive"));
    let files = copy_into(&sample_files()[..4], &art);
    let on_drive = copy_into(&sample_files()[4..6], &drive);
    assert!(kindred(&lib, &["import", art.to_str().unwrap(), drive.to_str().unwrap(), on_drive[0].to_str().unwrap()]).status.success());
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    let roots: Vec<&str> = info["roots"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap().to_str().unwrap().to_owned();
    assert_eq!(roots, [canonical(&art), canonical(&drive)], "a file inside a remembered folder adds no root");

    let drive_root = canonical(&drive);
    copy_into(&sample_files()[6..7], &art.join("new folder"));
    std::fs::remove_file(&files[0]).unwrap();
    std::fs::rename(&drive, tmp.path().join("unplugged")).unwrap();
    let summary = stdout_json(&kindred(&lib, &["import", "--json"]));
    assert_eq!((summary["added"].as_u64(), summary["missing"].as_u64(), summary["unchanged"].as_u64()), (Some(1), Some(1), Some(3)));
    let errors = summary["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0][0], drive_root.as_str());
    assert!(errors[0][1].as_str().unwrap().contains("kept as they were"));
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!(
        (info["counts"]["ok"].as_u64(), info["counts"]["missing"].as_u64()),
        (Some(6), Some(1)),
        "the unplugged drive's artworks stay"
    );
}

/// `kindred watch` imports a new file (in a folder made while watching), embeds a changed one
/// again and marks a deleted one missing, all within 10 s (the bound); Ctrl-C stops it cleanly.
#[test]
fn watch_picks_up_a_new_a_changed_and_a_deleted_file() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..3], &art);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(&lib)
        .args(["watch", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<(bool, String)>();
    for (is_out, stream) in
        [(true, Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>), (false, Box::new(child.stderr.take().unwrap()))]
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send((is_out, line));
            }
        });
    }
    let deadline = |secs| std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let until = deadline(60);
    while !rx.recv_timeout(std::time::Duration::from_secs(1)).is_ok_and(|(out, l)| !out && l.starts_with("watching")) {
        assert!(std::time::Instant::now() < until, "watch did not start");
    }
    let started = std::time::Instant::now();
    copy_into(&sample_files()[3..4], &art.join("made while watching"));
    std::fs::copy(&sample_files()[5], &files[0]).unwrap(); // another picture under the same name
    std::fs::remove_file(&files[1]).unwrap();
    let (mut added, mut updated, mut missing) = (0, 0, 0);
    // The bound: within 10 s (it takes about 0.5 s here).
    let until = deadline(10);
    while added < 1 || updated < 1 || missing < 1 {
        let left = until.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, line)) => {
                let s: serde_json::Value = serde_json::from_str(&line).unwrap();
                added += s["added"].as_u64().unwrap();
                updated += s["updated"].as_u64().unwrap();
                missing += s["missing"].as_u64().unwrap();
            }
            Ok((false, line)) => eprintln!("watch: {line}"),
            Err(_) => panic!("within 10 s: added {added}, updated {updated}, missing {missing} (expected 1 each)"),
        }
    }
    eprintln!("watch picked up the three changes in {:.1} s", started.elapsed().as_secs_f64());
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert!(child.wait().unwrap().success(), "Ctrl-C stops watch cleanly");
    assert_eq!((added, updated, missing), (1, 1, 1));
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!((info["counts"]["ok"].as_u64(), info["counts"]["missing"].as_u64()), (Some(3), Some(1)));
    // The changed file was embedded again: its new picture finds it first.
    let found = stdout_json(&kindred(&lib, &["search", sample_files()[5].to_str().unwrap(), "--top", "1", "--json"]));
    assert_eq!(found[0]["results"][0]["path"], std::fs::canonicalize(&files[0]).unwrap().to_str().unwrap());
}

/// `kindred folders` lists the folder tree with counts; `search --in FOLDER` ranks only that
/// folder's artworks, in the order the unrestricted search ranks them.
#[test]
fn folders_and_search_in_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = tmp.path().join("art");
    let sky = copy_into(&sample_files()[..4], &art.join("sky"));
    copy_into(&sample_files()[4..7], &art.join("sea/deep"));
    copy_into(&sample_files()[7..8], &art);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    let tree = stdout_json(&kindred(&lib, &["folders", "--json"]));
    let listed: Vec<(String, u64, u64)> = tree
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_owned(), f["depth"].as_u64().unwrap(), f["artworks"].as_u64().unwrap()))
        .collect();
    let root = std::fs::canonicalize(&art).unwrap();
    let at = |p: &str| if p.is_empty() { root.to_str().unwrap().to_owned() } else { root.join(p).to_str().unwrap().to_owned() };
    assert_eq!(listed, [(at(""), 0, 8), (at("sea"), 1, 3), (at("sea/deep"), 2, 3), (at("sky"), 1, 4)]);

    let query = sky[0].to_str().unwrap();
    let sea = art.join("sea");
    let within = stdout_json(&kindred(&lib, &["search", query, "--in", sea.to_str().unwrap(), "--top", "2", "--json"]));
    let within: Vec<&str> = within[0]["results"].as_array().unwrap().iter().map(|h| h["path"].as_str().unwrap()).collect();
    let everything = stdout_json(&kindred(&lib, &["search", query, "--top", "100", "--json"]));
    let in_sea: Vec<&str> = everything[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["path"].as_str().unwrap())
        .filter(|p| p.starts_with(&at("sea")))
        .collect();
    assert_eq!(within, in_sea[..2], "the folder's best two, in the search's order");
    let all_of_it = stdout_json(&kindred(&lib, &["search", query, "--in", sea.to_str().unwrap(), "--json"]));
    assert_eq!(all_of_it[0]["results"].as_array().unwrap().len(), 3, "never more than the folder holds");
    let nowhere = kindred(&lib, &["search", query, "--in", tmp.path().join("nowhere").to_str().unwrap()]);
    assert_eq!(nowhere.status.code(), Some(1));
}

/// `kindred folders --forget FOLDER` stops following a folder: the message says its artworks stay
/// (they do, searchable), `import` (the rescan) no longer looks in it; an unknown path is refused
/// with exit 1, naming the folders followed, and nothing changes.
#[test]
fn folders_forget_stops_following_a_folder_and_keeps_its_artworks() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let (art, old) = (tmp.path().join("art"), tmp.path().join("old scans"));
    copy_into(&sample_files()[..3], &art);
    copy_into(&sample_files()[3..5], &old);
    assert!(kindred(&lib, &["import", art.to_str().unwrap(), old.to_str().unwrap()]).status.success());
    let roots = |lib: &std::path::Path| -> Vec<String> {
        let info = stdout_json(&kindred(lib, &["info", "--json"]));
        info["roots"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_owned()).collect()
    };
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap().to_str().unwrap().to_owned();
    assert_eq!(roots(&lib), [canonical(&art), canonical(&old)]);

    let unknown = kindred(&lib, &["folders", "--forget", tmp.path().join("nowhere").to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(1));
    let said = String::from_utf8_lossy(&unknown.stderr);
    assert!(said.contains("is not a folder this library follows") && said.contains(&canonical(&art)), "{said}");
    assert!(said.contains("nothing was changed"), "{said}");
    assert_eq!(roots(&lib).len(), 2);

    let forgot = kindred(&lib, &["folders", "--forget", old.to_str().unwrap()]);
    assert!(forgot.status.success(), "{}", String::from_utf8_lossy(&forgot.stderr));
    let said = String::from_utf8_lossy(&forgot.stdout);
    assert!(said.contains(&format!("Stopped following {}", canonical(&old))), "{said}");
    assert!(said.contains("Its 2 artworks stay in the library"), "{said}");
    assert_eq!(roots(&lib), [canonical(&art)]);

    // Not rescanned: a new file there is not imported; its artworks are still found.
    copy_into(&sample_files()[5..6], &old);
    let summary = stdout_json(&kindred(&lib, &["import", "--json"]));
    assert_eq!((summary["added"].as_u64(), summary["unchanged"].as_u64()), (Some(0), Some(3)));
    let info = stdout_json(&kindred(&lib, &["info", "--json"]));
    assert_eq!(info["counts"]["ok"].as_u64(), Some(5));
    let found = stdout_json(&kindred(&lib, &["search", sample_files()[4].to_str().unwrap(), "--top", "1", "--json"]));
    assert!(found[0]["results"][0]["path"].as_str().unwrap().starts_with(&canonical(&old)));
    let again = kindred(&lib, &["folders", "--forget", old.to_str().unwrap(), "--json"]);
    assert_eq!(again.status.code(), Some(1), "already forgotten");
}
