//! Issue 12, "Hardening, round two": wrong answers, paths and privacy. Each test failed on the
//! code before its fix (see docs/RELIABILITY.md, "Hardening, round two").

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use kindred::LibraryOptions;

fn kindred(lib: &Path, args: &[&OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kindred")).arg("--library").arg(lib).args(args).output().expect("binary runs")
}

/// `kindred` with string arguments.
fn run(lib: &Path, args: &[&str]) -> Output {
    kindred(lib, &args.iter().map(OsStr::new).collect::<Vec<_>>())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "status {:?}, stderr: {}", out.status, stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

/// Copies the files of a library directory (not sub-folders: the index is a cache) into `to`.
fn copy_library_files(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if entry.file_type().unwrap().is_file() && !skip.iter().any(|s| name == OsStr::new(s)) {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// Rows in `catalog.sqlite` alone, ignoring its WAL (as `immutable=1` reads it).
fn rows_in_main_file(catalog: &Path) -> i64 {
    let uri = format!("file:{}?immutable=1", catalog.display());
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let conn = rusqlite::Connection::open_with_flags(uri, flags).unwrap();
    conn.query_row("SELECT count(*) FROM artworks", [], |r| r.get(0)).unwrap()
}

/// A library whose last import is committed but still only in the WAL, snapshotted as a backup or
/// file-system snapshot would see it: 6 artworks checkpointed into the main file, 6 more only in
/// the WAL. `keep_shm` says whether the snapshot has the `-shm` file.
fn snapshot_with_wal(tmp: &Path, keep_shm: bool) -> (PathBuf, Vec<PathBuf>) {
    let (lib, snap) = (tmp.join("lib"), tmp.join(if keep_shm { "snap" } else { "snap-no-shm" }));
    let samples = sample_files();
    let first = copy_into(&samples[..6], &tmp.join("art1"));
    let second = copy_into(&samples[6..12], &tmp.join("art2"));
    {
        let mut library = open(&lib, LibraryOptions::default());
        import(&mut library, &[tmp.join("art1")]);
    } // closed: checkpointed
    let mut library = open(&lib, LibraryOptions::default());
    import(&mut library, &[tmp.join("art2")]);
    // The writer is still open (an interrupted import): the snapshot is taken now.
    copy_library_files(&lib, &snap, if keep_shm { &["lock"] } else { &["lock", "catalog.sqlite-shm"] });
    drop(library);
    let wal = snap.join("catalog.sqlite-wal");
    assert!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > 0, "the snapshot must have a WAL for this test");
    assert_eq!(rows_in_main_file(&snap.join("catalog.sqlite")), 6, "the second import must be only in the WAL for this test");
    assert_eq!(snap.join("catalog.sqlite-shm").exists(), keep_shm);
    (snap, [first, second].concat())
}

/// Makes a directory and every file in it immutable (a read-only mount, for root too).
fn freeze(dir: &Path) -> Vec<Immutable<'static>> {
    let mut guards: Vec<Immutable<'static>> =
        std::fs::read_dir(dir).unwrap().map(|e| Immutable::new(Box::leak(Box::new(e.unwrap().path())).as_path())).collect();
    guards.push(Immutable::new(Box::leak(Box::new(dir.to_path_buf())).as_path()));
    guards
}

fn read_only_snapshot_sees_every_committed_artwork(keep_shm: bool) {
    let tmp = tempfile::tempdir().unwrap();
    let (snap, files) = snapshot_with_wal(tmp.path(), keep_shm);
    let before: Vec<(PathBuf, Vec<u8>)> =
        std::fs::read_dir(&snap).unwrap().map(|e| e.unwrap().path()).map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect();
    let _frozen = freeze(&snap);
    assert!(std::fs::File::create(snap.join("probe")).is_err(), "the snapshot should be read-only now");

    let info = stdout_json(&run(&snap, &["info", "--json"]));
    assert_eq!(info["read_only"], true);
    assert_eq!(info["counts"]["ok"], 12, "every committed artwork, WAL included: {info}");
    let hits = stdout_json(&run(&snap, &["search", files[9].to_str().unwrap(), "--top", "20", "--json"]));
    assert_eq!(hits[0]["results"].as_array().unwrap().len(), 11, "{hits}");
    drop(_frozen);
    for (path, bytes) in before {
        assert!(std::fs::read(&path).unwrap() == bytes, "{} was changed", path.display());
    }
}

#[test]
fn read_only_snapshot_with_wal_and_shm_sees_every_committed_artwork() {
    read_only_snapshot_sees_every_committed_artwork(true);
}

#[test]
fn read_only_snapshot_with_wal_but_no_shm_sees_every_committed_artwork() {
    read_only_snapshot_sees_every_committed_artwork(false);
}

#[test]
fn paths_that_are_not_utf8_or_hold_control_characters_keep_json_valid_and_lines_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = tmp.path().join("art");
    let samples = sample_files();
    copy_into(&samples[..4], &art);
    let odd = art.join(OsStr::from_bytes(b"caf\xe9-latin1.png"));
    std::fs::copy(&samples[4], &odd).unwrap();
    let escape = art.join("line\nbreak \x1b[2J\x1b[31mred.png");
    std::fs::copy(&samples[5], &escape).unwrap();
    let broken = art.join(OsStr::from_bytes(b"broken-\xff.png"));
    std::fs::write(&broken, b"not a png at all").unwrap();

    let summary = stdout_json(&kindred(&lib, &[OsStr::new("import"), art.as_os_str(), OsStr::new("--json")]));
    assert_eq!((summary["added"].as_u64(), summary["failed"].as_u64()), (Some(6), Some(1)), "{summary}");
    let error = &summary["errors"][0];
    assert!(error[0].as_str().unwrap().ends_with("broken-\u{fffd}.png"), "{summary}");
    let exact: Vec<u8> = serde_json::from_value(summary["errors_path_bytes"][0].clone()).unwrap();
    assert_eq!(exact, std::fs::canonicalize(&broken).unwrap().as_os_str().as_bytes());

    // The query's own name is not UTF-8; so are some results' names.
    let out = kindred(&lib, &[OsStr::new("search"), odd.as_os_str(), OsStr::new("--top"), OsStr::new("10"), OsStr::new("--json")]);
    let results = stdout_json(&out);
    assert_eq!(results[0]["query"], odd.to_string_lossy().as_ref());
    let query_bytes: Vec<u8> = serde_json::from_value(results[0]["query_bytes"].clone()).unwrap();
    assert_eq!(query_bytes, odd.as_os_str().as_bytes());
    let hits = results[0]["results"].as_array().unwrap();
    assert_eq!(hits.len(), 5, "{results}");
    let with_newline = hits.iter().find(|h| h["path"].as_str().unwrap().contains('\n')).expect("the newline name is a hit");
    assert!(with_newline.get("path_bytes").is_none(), "UTF-8 paths carry no bytes: {with_newline}");
    // Searching by the other odd name finds the first, exact bytes included.
    let out = kindred(&lib, &[OsStr::new("search"), escape.as_os_str(), OsStr::new("--json")]);
    let hits = stdout_json(&out)[0]["results"].clone();
    let latin1 = hits.as_array().unwrap().iter().find(|h| h.get("path_bytes").is_some()).expect("the Latin-1 name is a hit");
    let bytes: Vec<u8> = serde_json::from_value(latin1["path_bytes"].clone()).unwrap();
    assert_eq!(bytes, std::fs::canonicalize(&odd).unwrap().as_os_str().as_bytes());
    assert!(latin1["path"].as_str().unwrap().ends_with("caf\u{fffd}-latin1.png"));

    // Plain output: one line per result, no raw escape sequence.
    let out = kindred(&lib, &[OsStr::new("search"), odd.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).expect("plain output is UTF-8 text");
    assert_eq!(text.lines().count(), 1 + 5, "a query line and five result lines:\n{text}");
    assert!(!out.stdout.contains(&0x1b), "no ESC reaches the terminal:\n{text}");
    assert!(text.contains("line\\nbreak \\x1b[2J\\x1b[31mred.png") && text.contains("caf\\xe9-latin1.png"), "{text}");
    // The import summary's error lines too (a fresh library: a failed file is reported once).
    let out = kindred(&tmp.path().join("lib-plain"), &[OsStr::new("import"), art.as_os_str()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.stdout.contains(&0x1b) && text.contains("broken-\\xff.png"), "{text}");

    // A library directory whose own name is not UTF-8.
    let odd_lib = tmp.path().join(OsStr::from_bytes(b"lib-\xfe"));
    assert!(kindred(&odd_lib, &[OsStr::new("import"), samples[0].as_os_str()]).status.success());
    let info = stdout_json(&kindred(&odd_lib, &[OsStr::new("info"), OsStr::new("--json")]));
    let bytes: Vec<u8> = serde_json::from_value(info["library_bytes"].clone()).unwrap();
    assert_eq!(bytes, odd_lib.as_os_str().as_bytes());
    assert!(info["catalog_bytes"].is_array() && info["library"].is_string(), "{info}");
}

#[test]
fn one_bad_query_among_several_keeps_the_others_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    let files = copy_into(&sample_files()[..6], &art);
    assert!(run(&lib, &["import", art.to_str().unwrap()]).status.success());
    let missing = tmp.path().join("missing.png");
    let (good, other) = (files[0].to_str().unwrap(), files[3].to_str().unwrap());

    let out = run(&lib, &["search", good, missing.to_str().unwrap(), other, "id:999999", "--json"]);
    assert_eq!(out.status.code(), Some(1), "a failed query fails the command: {}", stderr(&out));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is still JSON");
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 4, "one entry per query");
    assert_eq!(results[0]["results"].as_array().unwrap().len(), 5);
    assert!(results[0].get("error").is_none());
    assert!(results[1]["error"].as_str().unwrap().contains("missing.png"), "{results:?}");
    assert_eq!(results[1]["results"].as_array().unwrap().len(), 0);
    assert_eq!(results[2]["results"].as_array().unwrap().len(), 5, "the query after the bad one is answered");
    assert!(results[3]["error"].as_str().unwrap().contains("999999"), "{results:?}");
    let err = stderr(&out);
    assert!(err.contains("query ") && err.contains("missing.png") && err.contains("2 of 4 queries failed"), "{err}");

    let out = run(&lib, &["search", good, missing.to_str().unwrap(), other]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 2 * (1 + 5), "both good queries printed:\n{text}");
}

#[test]
fn a_jpeg_with_a_video_after_its_end_marker_imports() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    std::fs::create_dir_all(&art).unwrap();
    let picture = load_flat(&sample_files()[0]);
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85).encode_image(&picture).unwrap();
    // As phones write "motion photos": the JPEG, then an MP4 (here 2 MiB without an FF D9 pair).
    jpeg.extend(b"\0\0\0\x18ftypmp42\0\0\0\0isommp42");
    jpeg.extend((0..2u32 << 20).map(|i| (i.wrapping_mul(2_654_435_761) % 251) as u8));
    std::fs::write(art.join("PXL_20261201_MP.jpg"), &jpeg).unwrap();
    let summary = stdout_json(&run(&lib, &["import", art.to_str().unwrap(), "--json"]));
    assert_eq!((summary["added"].as_u64(), summary["failed"].as_u64()), (Some(1), Some(0)), "{summary}");
}

#[test]
fn a_refused_second_importer_leaves_the_metric_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    let files = make_corpus(&art, 300);
    assert!(run(&lib, &["import", files[0].to_str().unwrap()]).status.success());
    let mut first = spawn_import(&lib, &art);
    std::thread::sleep(std::time::Duration::from_millis(400));
    let second = run(&lib, &["import", art.to_str().unwrap(), "--metric", "euclidean"]);
    assert!(first.try_wait().unwrap().is_none(), "the first import should still be running");
    assert_eq!(second.status.code(), Some(1));
    assert!(stderr(&second).contains("another Kindred process is importing"), "{}", stderr(&second));
    assert!(first.wait().unwrap().success());
    let info = stdout_json(&run(&lib, &["info", "--json"]));
    assert_eq!(info["metric"], "cosine", "the refused importer changed nothing: {info}");
}

#[test]
fn read_only_commands_never_create_a_library() {
    let tmp = tempfile::tempdir().unwrap();
    let typo = tmp.path().join("libary");
    let query = sample_files()[0].clone();
    for args in [&["search", query.to_str().unwrap()][..], &["info"], &["info", "--json"]] {
        let out = run(&typo, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("no library at") && stderr(&out).contains("libary"), "{args:?}: {}", stderr(&out));
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
    // An existing folder without a catalog is not a library either, and stays as it was.
    std::fs::create_dir(&typo).unwrap();
    let out = run(&typo, &["info"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no library at"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&typo).unwrap().count(), 0, "nothing written into the folder");
    // Importing creates one.
    assert!(run(&typo, &["import", query.to_str().unwrap()]).status.success());
    assert_eq!(stdout_json(&run(&typo, &["info", "--json"]))["counts"]["ok"], 1);
}

#[test]
fn a_catalog_kindred_did_not_write_is_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let foreign = tmp.path().join("someone-else");
    std::fs::create_dir(&foreign).unwrap();
    let catalog = foreign.join("catalog.sqlite");
    {
        let conn = rusqlite::Connection::open(&catalog).unwrap();
        conn.execute_batch("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 99.5);").unwrap();
    }
    let before = std::fs::read(&catalog).unwrap();
    let art = sample_files()[0].clone();
    for args in [&["import", art.to_str().unwrap()][..], &["info"], &["search", art.to_str().unwrap()]] {
        let out = run(&foreign, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("is not a Kindred catalog") && stderr(&out).contains("invoices"), "{args:?}: {}", stderr(&out));
        assert!(std::fs::read(&catalog).unwrap() == before, "{args:?} wrote to someone else's database");
        let names: Vec<_> = std::fs::read_dir(&foreign).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, [OsStr::new("catalog.sqlite")], "{args:?} left files beside it");
    }
}

#[test]
fn tiny_or_huge_weights_never_make_every_score_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    let files = copy_into(&sample_files()[..8], &art);
    assert!(run(&lib, &["import", art.to_str().unwrap()]).status.success());
    let q = files[2].to_str().unwrap();

    let out = run(&lib, &["search", q, "--weights", "1e-45,0,0"]);
    assert_eq!(out.status.code(), Some(2), "a usage error: {}", stderr(&out));
    assert!(stderr(&out).contains("too small") && stderr(&out).contains("relative"), "{}", stderr(&out));

    let scores = |weights: &str| -> Vec<(i64, f64)> {
        let results = stdout_json(&run(&lib, &["search", q, "--weights", weights, "--json"]));
        results[0]["results"].as_array().unwrap().iter().map(|h| (h["id"].as_i64().unwrap(), h["score"].as_f64().unwrap())).collect()
    };
    let reference = scores("1,1,1");
    assert!(reference.iter().any(|(_, s)| *s < 0.99), "the reference has distinct scores: {reference:?}");
    for weights in ["3e38,3e38,3e38", "1e-30,1e-30,1e-30"] {
        let got = scores(weights);
        assert_eq!(got.len(), reference.len(), "{weights}");
        for ((id, s), (rid, rs)) in got.iter().zip(&reference) {
            assert_eq!(id, rid, "{weights}: same order");
            assert!((s - rs).abs() < 1e-5, "{weights}: score {s} vs {rs}");
        }
    }
}

/// Runs the binary under umask 022, as a desktop session usually has.
fn kindred_umask_022(lib: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(lib)
        .args(args)
        .output()
        .expect("sh runs")
}

#[test]
fn a_new_library_is_private_and_info_warns_when_others_can_read_one() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    let art = sample_files()[0].clone();
    let out = kindred_umask_022(&lib, &["import", art.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&lib), 0o700, "library directory");
    assert_eq!(mode(&lib.join("catalog.sqlite")), 0o600, "catalog");
    assert_eq!(mode(&lib.join("lock")), 0o600, "lock file");
    // While a process has it open, the WAL and shared-memory files are private too.
    let library = open(&lib, LibraryOptions::default());
    library.catalog().generation().unwrap();
    for sidecar in ["catalog.sqlite-wal", "catalog.sqlite-shm"] {
        assert_eq!(mode(&lib.join(sidecar)), 0o600, "{sidecar}");
    }
    drop(library);
    let info = stdout_json(&kindred_umask_022(&lib, &["info", "--json"]));
    assert_eq!(info["readable_by_others"], false);
    assert!(!stderr(&kindred_umask_022(&lib, &["info"])).contains("warning"));

    // A library made before (or by hand) that others can read: info says so, and how to fix it.
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(lib.join("catalog.sqlite"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = kindred_umask_022(&lib, &["info"]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("warning") && err.contains("can be read by other users") && err.contains("chmod -R go-rwx"), "{err}");
    assert_eq!(stdout_json(&kindred_umask_022(&lib, &["info", "--json"]))["readable_by_others"], true);
}

#[test]
fn a_folder_reached_through_a_symlink_is_catalogued_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("art");
    copy_into(&sample_files()[..3], &root.join("real"));
    std::os::unix::fs::symlink(root.join("real"), root.join("also-real")).unwrap();
    let mut library = open(&tmp.path().join("lib"), LibraryOptions::default());
    let summary = import(&mut library, std::slice::from_ref(&root));
    assert_eq!((summary.added, summary.failed), (3, 0), "{summary:?}");
    assert_eq!(library.info().unwrap().counts.ok, 3);
    let again = import(&mut library, &[root.clone(), root.join("also-real")]);
    assert_eq!((again.added, again.unchanged, again.missing), (0, 3, 0), "{again:?}");
}

#[test]
fn a_file_moved_outside_the_imported_roots_is_relinked() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let files = copy_into(&sample_files()[..3], &a);
    std::fs::create_dir(&b).unwrap();
    let mut library = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut library, std::slice::from_ref(&a));
    let id = library.catalog().artwork_by_path(&std::fs::canonicalize(&files[0]).unwrap()).unwrap().unwrap().id;
    let moved = b.join(files[0].file_name().unwrap());
    std::fs::rename(&files[0], &moved).unwrap();

    let summary = import(&mut library, std::slice::from_ref(&b));
    assert_eq!((summary.moved, summary.added), (1, 0), "{summary:?}");
    let counts = library.info().unwrap().counts;
    assert_eq!((counts.ok, counts.missing), (3, 0), "{counts:?}");
    let artwork = library.catalog().artwork(id).unwrap().expect("the same artwork");
    assert_eq!(artwork.path, std::fs::canonicalize(&moved).unwrap(), "re-linked, vectors kept");
    // Re-importing the old root finds nothing missing.
    let again = import(&mut library, &[a]);
    assert_eq!((again.missing, again.unchanged), (0, 2), "{again:?}");
}
