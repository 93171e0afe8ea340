//! Crash safety: `kindred import` killed with SIGKILL at random moments never corrupts the
//! library, and the next import resumes without redoing committed work. SIGINT stops cleanly.

mod common;

use common::make_corpus;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Kill iterations (CI); `KINDRED_CRASH_ITERATIONS` raises it for longer runs.
fn iterations() -> usize {
    std::env::var("KINDRED_CRASH_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(20)
}

fn kindred(lib: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kindred"));
    c.arg("--library").arg(lib).args(["--index", "hnsw"]);
    c
}

fn spawn_import(lib: &Path, art: &Path) -> Child {
    kindred(lib).arg("import").arg(art).arg("--json").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn json_of(out: std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Checks the catalog file itself: SQLite integrity and every searchable artwork complete.
fn check_catalog(lib: &Path) -> i64 {
    let conn = rusqlite::Connection::open(lib.join("catalog.sqlite")).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    // Killed while the library was being created (the private catalog file exists, its schema
    // not yet committed): nothing half-made, and the next import sets it up.
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).unwrap();
    if tables == 0 {
        return 0;
    }
    let incomplete: i64 = conn
        .query_row(
            "SELECT count(*) FROM artworks a LEFT JOIN embeddings e ON e.artwork_id = a.id
             LEFT JOIN thumbnails t ON t.artwork_id = a.id
             WHERE a.status = 0 AND (e.artwork_id IS NULL OR t.artwork_id IS NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(incomplete, 0, "artworks without vectors or thumbnail");
    conn.query_row("SELECT count(*) FROM artworks WHERE status = 0", [], |r| r.get(0)).unwrap()
}

#[test]
fn sigkill_at_random_moments_never_corrupts_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let total = 240;
    make_corpus(&art, total);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut kills_mid_import = 0;
    for round in 0..iterations() {
        let lib = tmp.path().join(format!("lib-{round}"));
        let mut child = spawn_import(&lib, &art);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 1500));
        let finished_before_kill = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if !finished_before_kill {
            kills_mid_import += 1;
        }

        let done = check_catalog(&lib);
        // The index (derived) agrees with the catalog: loaded if current, rebuilt otherwise.
        let info = json_of(kindred(&lib).args(["info", "--json"]).output().unwrap());
        assert_eq!(info["counts"]["ok"].as_i64(), Some(done), "round {round}");
        assert_eq!(info["index"]["vectors"].as_i64(), Some(done), "round {round}: {info}");

        // The next import finishes the rest and redoes nothing that was committed.
        let s = json_of(spawn_import(&lib, &art).wait_with_output().unwrap());
        assert_eq!(s["unchanged"].as_i64(), Some(done), "round {round}: {s}");
        assert_eq!(s["added"].as_i64(), Some(total as i64 - done), "round {round}: {s}");
        assert_eq!(s["failed"].as_i64(), Some(0));
        assert_eq!(check_catalog(&lib), total as i64);
        std::fs::remove_dir_all(&lib).unwrap();
    }
    assert!(kills_mid_import * 2 >= iterations(), "most kills should land mid-import ({kills_mid_import})");
}

#[test]
fn sigint_stops_after_the_batch_in_flight() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    make_corpus(&art, 400);
    let lib = tmp.path().join("lib");
    let child = spawn_import(&lib, &art);
    std::thread::sleep(Duration::from_millis(700));
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc_kill(child.id() as i32, 2) }, 0);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["cancelled"], true);
    let done = check_catalog(&lib);
    assert_eq!(summary["added"].as_i64(), Some(done), "everything reported was committed");
    assert!(done > 0 && done < 400, "{done}");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}
