//! Hardening, round two (issue 12): resources and the index. A hostile `--top`, a FIFO or an
//! endless stream as a query, decoder inputs built to eat memory, a disk that fills up while the
//! index is saved, and saves racing each other: none may hang, abort, eat gigabytes or leave an
//! index that disagrees with the catalog.
//!
//! The CLI tests run the binary under `/usr/bin/time` to read its peak RSS. `KINDRED_TEST_BIN`
//! runs them against another build (e.g. one of main before these fixes, to see them fail).

mod common;

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use kindred::LibraryOptions;
use kindred::aspect::Weights;
use kindred::decode::MAX_ALLOC;
use kindred::library::IndexKind;
use kindred::search::Query;

const MIB: u64 = 1 << 20;

fn bin() -> PathBuf {
    std::env::var_os("KINDRED_TEST_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kindred")), PathBuf::from)
}

/// One run of the binary: exit code (`None`: killed by a signal), output, peak RSS.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    max_rss: u64,
    took: Duration,
}

impl Run {
    fn ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "stderr: {}", self.stderr);
        self
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok().stdout).expect("stdout is JSON")
    }
}

/// Runs `kindred --library LIB ARGS` under `/usr/bin/time` (peak RSS) with an address-space cap
/// (`prlimit`, so a regression cannot take the machine's memory), killed after `timeout`: `None`
/// if it had to be killed (it hung).
fn run(lib: &Path, args: &[&str], timeout: Duration) -> Option<Run> {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let started = Instant::now();
    let mut child = Command::new("/usr/bin/time")
        .args(["-f", "KINDRED_MAXRSS_KIB=%M", "prlimit", "--as=8589934592", "--"])
        .arg(bin())
        .arg("--library")
        .arg(lib)
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .process_group(0)
        .spawn()
        .expect("/usr/bin/time and prlimit run");
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > timeout {
            // The whole group: time, prlimit's exec and kindred.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err).unwrap();
    let max_rss = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("KINDRED_MAXRSS_KIB="))
        .next_back()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .expect("/usr/bin/time reports the peak RSS")
        * 1024;
    let stderr =
        stderr.lines().filter(|l| !l.starts_with("KINDRED_MAXRSS_KIB=") && !l.starts_with("Command ")).collect::<Vec<_>>().join("\n");
    let code = if stderr.contains("terminated by signal") { None } else { status.code() };
    Some(Run { code, stdout: std::fs::read_to_string(&out).unwrap(), stderr, max_rss, took: started.elapsed() })
}

fn run_ok(lib: &Path, args: &[&str]) -> Run {
    run(lib, args, Duration::from_secs(300)).unwrap_or_else(|| panic!("kindred {args:?} hung"))
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs.

/// A 35-byte GIF whose logical screen is `w` x `h`, with one 1x1 frame.
fn screen_gif(w: u16, h: u16) -> Vec<u8> {
    let mut b = b"GIF89a".to_vec();
    b.extend(w.to_le_bytes());
    b.extend(h.to_le_bytes());
    b.extend([0x80, 0, 0, 0, 0, 0, 255, 255, 255]); // global colour table of 2 entries
    b.extend([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0]); // image descriptor: 1x1 at 0,0
    b.extend([2, 2, 0x44, 0x01, 0, b';']); // LZW: clear, index 0, end; trailer
    assert_eq!(b.len(), 35);
    b
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
    out
}

/// A zlib stream of `n` zero bytes, a few bytes per KiB (fixed Huffman: a literal 0, then
/// matches of 258 at distance 1): a decompression bomb.
fn zlib_zeros(n: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        len: u32,
    }
    impl Bits {
        fn put(&mut self, v: u64, n: u32) {
            self.acc |= v << self.len;
            self.len += n;
            while self.len >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.len -= 8;
            }
        }
        /// A Huffman code, most significant bit first.
        fn code(&mut self, code: u64, n: u32) {
            self.put((0..n).fold(0, |r, i| r | (((code >> i) & 1) << (n - 1 - i))), n);
        }
    }
    let mut b = Bits { out: vec![0x78, 0x01], acc: 0, len: 0 };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30, 8); // literal 0
    let mut left = n - 1;
    while left >= 258 {
        b.code(0xC5, 8); // length 258
        b.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        b.code(0x30, 8);
    }
    b.code(0, 7); // end of block
    if b.len > 0 {
        b.out.push(b.acc as u8);
    }
    b.out.extend((((n % 65521) << 16) as u32 | 1).to_be_bytes()); // Adler-32 of zeros
    b.out
}

/// An 8x8 RGB PNG carrying `extra` chunks before its pixels.
fn png_with(extra: &[u8]) -> Vec<u8> {
    let mut ihdr = 8u32.to_be_bytes().to_vec();
    ihdr.extend(8u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let rows: Vec<u8> = (0..8).flat_map(|y| std::iter::once(0).chain((0..24).map(move |x| (x * 10 + y * 3) as u8))).collect();
    let mut idat = vec![0x78, 0x01, 1]; // zlib, one stored final block
    idat.extend((rows.len() as u16).to_le_bytes());
    idat.extend((!(rows.len() as u16)).to_le_bytes());
    idat.extend(&rows);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &rows {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    idat.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(extra);
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", b""));
    out
}

/// A PNG whose colour profile inflates to 600 MB.
fn iccp_bomb() -> Vec<u8> {
    let mut data = b"bomb\0\0".to_vec();
    data.extend(zlib_zeros(600 << 20));
    png_with(&chunk(b"iCCP", &data))
}

/// A sparse file of `len` bytes starting like a JPEG.
fn sparse_jpeg(path: &Path, len: u64) {
    use std::os::unix::fs::FileExt;
    let f = File::create(path).unwrap();
    f.write_all_at(&[0xFF, 0xD8, 0xFF, 0xE0], 0).unwrap();
    f.set_len(len).unwrap();
}

#[test]
fn the_hostile_inputs_are_what_they_claim() {
    let png = png_with(&[]);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (8, 8));
    let gif = image::load_from_memory(&screen_gif(300, 200)).unwrap();
    assert_eq!((gif.width(), gif.height()), (300, 200), "the screen, not the 1x1 frame, is the picture");
    // The bomb's stream is valid: a small one inflates to what it claims (the `png` crate checks
    // zlib and Adler-32 in an iCCP chunk as in IDAT).
    let mut small = b"tiny\0\0".to_vec();
    small.extend(zlib_zeros(5000));
    assert_eq!(image::load_from_memory(&png_with(&chunk(b"iCCP", &small))).unwrap().width(), 8);
    assert!(iccp_bomb().len() < 4 << 20);
}

// ---------------------------------------------------------------------------------------------
// `--top` with the HNSW index.

#[test]
fn search_top_is_capped_at_the_library_size_never_reserved_from() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    copy_into(&sample_files()[..12], &art);
    assert_eq!(run_ok(&lib, &["--index", "hnsw", "import", art.to_str().unwrap(), "--json"]).json()["added"], 12);
    let top = |k: &str| {
        let run = run(&lib, &["--index", "hnsw", "search", "id:1", "--top", k, "--json"], Duration::from_secs(120))
            .unwrap_or_else(|| panic!("--top {k} hung"));
        let hits = run.json()[0]["results"].as_array().unwrap().len();
        (hits, run.max_rss)
    };
    let (hits, small) = top("5");
    assert_eq!(hits, 5);
    for k in ["18446744073709551615", "4000000000", "10000000", "11", "12"] {
        let (hits, rss) = top(k);
        assert_eq!(hits, 11, "--top {k}: every other artwork, once");
        assert!(rss < small + 32 * MIB, "--top {k}: peak RSS {} MiB, {} MiB with --top 5", rss / MIB, small / MIB);
    }
}

// ---------------------------------------------------------------------------------------------
// Queries that are not regular files, or too large.

#[test]
fn a_fifo_a_device_or_an_oversized_file_as_query_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, art) = (tmp.path().join("lib"), tmp.path().join("art"));
    copy_into(&sample_files()[..3], &art);
    run_ok(&lib, &["import", art.to_str().unwrap()]);
    let fifo = tmp.path().join("query.png");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success(), "mkfifo");
    let huge = tmp.path().join("huge.jpg");
    sparse_jpeg(&huge, 1536 * MIB);
    let cases = [
        (fifo.to_str().unwrap(), "not a regular file (a FIFO)"),
        ("/dev/zero", "not a regular file (a device)"),
        (huge.to_str().unwrap(), "file too large (1536 MiB; Kindred reads image files up to 256 MiB)"),
    ];
    for (query, reason) in cases {
        let run = run(&lib, &["search", query], Duration::from_secs(60)).unwrap_or_else(|| panic!("search {query} hung"));
        assert_eq!(run.code, Some(1), "{query}: {run:?}");
        assert!(run.stderr.contains(reason), "{query}: {}", run.stderr);
        assert!(run.took < Duration::from_secs(30), "{query}: took {:?}", run.took);
        assert!(run.max_rss < 200 * MIB, "{query}: peak RSS {} MiB (nothing is read, the model is not loaded)", run.max_rss / MIB);
    }
    // A regular query still works.
    let ok = run_ok(&lib, &["search", sample_files()[0].to_str().unwrap(), "--top", "2", "--json"]);
    assert_eq!(ok.json()[0]["results"].as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Decoder memory.

/// Imports `files` (written into a fresh folder) into a fresh library: the run and its summary.
fn import_fresh(tmp: &Path, name: &str, files: &[(String, Vec<u8>)]) -> (Run, serde_json::Value) {
    let art = tmp.join(format!("art-{name}"));
    std::fs::create_dir_all(&art).unwrap();
    for (file, bytes) in files {
        std::fs::write(art.join(file), bytes).unwrap();
    }
    let run = run_ok(&tmp.join(format!("lib-{name}")), &["import", art.to_str().unwrap(), "--json"]);
    let summary = run.json();
    (run, summary)
}

fn reasons(summary: &serde_json::Value) -> Vec<String> {
    summary["errors"].as_array().unwrap().iter().map(|e| format!("{}: {}", e[0].as_str().unwrap(), e[1].as_str().unwrap())).collect()
}

#[test]
fn hostile_decoder_inputs_stay_within_the_import_memory_budget() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = |i: usize| (format!("sample-{i}.jpg"), std::fs::read(&sample_files()[i]).unwrap());
    // Reference: one ordinary image (the model loaded, one decode).
    let (base, summary) = import_fresh(tmp.path(), "base", &[sample(0)]);
    assert_eq!(summary["added"], 1);
    let budget = base.max_rss + MAX_ALLOC + 64 * MIB;
    assert!(budget <= 1024 * MIB, "the stated budget: at most 1 GiB resident ({} MiB base)", base.max_rss / MIB);

    // A 35-byte GIF claiming a 16384 x 10000 screen: refused from its header, naming the limit.
    let (run, summary) = import_fresh(tmp.path(), "gif", &[("screen.gif".into(), screen_gif(16384, 10000)), sample(1)]);
    assert_eq!((summary["added"].as_u64(), summary["failed"].as_u64()), (Some(1), Some(1)));
    let why = reasons(&summary).join("\n");
    assert!(why.contains("image too large (16384x10000; decoding it needs 1250 MiB of memory, limit 640 MiB)"), "{why}");
    assert!(run.max_rss < base.max_rss + 64 * MIB, "one huge-screen GIF: {} MiB (base {} MiB)", run.max_rss / MIB, base.max_rss / MIB);

    // Eight GIFs each within the limit (8000 x 7993..8000 screens, 512 MiB to decode): the default
    // workers decode them one at a time, the budget being shared.
    let gifs: Vec<(String, Vec<u8>)> = (0..8).map(|i| (format!("screen-{i}.gif"), screen_gif(8000, 8000 - i))).collect();
    let (run, summary) = import_fresh(tmp.path(), "gifs", &gifs);
    assert_eq!(summary["added"], 8, "{:?}", reasons(&summary));
    assert!(run.max_rss < budget, "eight 8000x8000 GIFs: {} MiB, budget {} MiB", run.max_rss / MIB, budget / MIB);

    // A PNG whose colour profile inflates to 600 MB: its pixels import, in bounded memory (the
    // decoder stops inflating the profile at the 64 MiB metadata limit and drops it).
    let (run, summary) = import_fresh(tmp.path(), "iccp", &[("profile.png".into(), iccp_bomb()), sample(2)]);
    assert_eq!(summary["added"], 2, "{:?}", reasons(&summary));
    assert!(run.max_rss < base.max_rss + 96 * MIB, "iCCP bomb: {} MiB (base {} MiB)", run.max_rss / MIB, base.max_rss / MIB);

    // A 1.5 GiB file named .jpg: refused from its size, never read, and not retried.
    let art = tmp.path().join("art-big");
    std::fs::create_dir_all(&art).unwrap();
    sparse_jpeg(&art.join("huge.jpg"), 1536 * MIB);
    std::fs::copy(&sample_files()[3], art.join("ok.jpg")).unwrap();
    let lib = tmp.path().join("lib-big");
    let run = run_ok(&lib, &["import", art.to_str().unwrap(), "--json"]);
    let summary = run.json();
    assert_eq!((summary["added"].as_u64(), summary["failed"].as_u64()), (Some(1), Some(1)));
    let why = reasons(&summary).join("\n");
    assert!(why.contains("huge.jpg: file too large (1536 MiB; Kindred reads image files up to 256 MiB)"), "{why}");
    assert!(run.max_rss < base.max_rss + 64 * MIB, "1.5 GiB .jpg: {} MiB (base {} MiB)", run.max_rss / MIB, base.max_rss / MIB);
    let again = run_ok(&lib, &["import", art.to_str().unwrap(), "--json"]).json();
    assert_eq!((again["unchanged"].as_u64(), again["failed"].as_u64()), (Some(2), Some(0)), "the refusal is remembered: {again}");
}

// ---------------------------------------------------------------------------------------------
// A full disk while saving the index.

/// A small tmpfs, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let out =
            Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]).arg(dir).output().expect("mount runs");
        assert!(
            out.status.success(),
            "this test needs to mount a tmpfs (root with CAP_SYS_ADMIN) to fill a disk for real: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the file system holding `dir` with `dir/filler`, then frees `keep` bytes of it.
fn fill_leaving(dir: &Path, keep: u64) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = File::create(&path).unwrap();
    let block = vec![1u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    for _ in 0..16 {
        let _ = f.write_all(&block[..4096]);
    }
    drop(f);
    let len = std::fs::metadata(&path).unwrap().len();
    File::options().write(true).open(&path).unwrap().set_len(len - keep).unwrap();
    path
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".tmp")).collect()
}

#[test]
fn a_full_disk_while_saving_the_index_leaves_no_temp_file_and_says_which_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let disk = tmp.path().join("disk");
    let _mounted = Tmpfs::mount(&disk, "32m");
    let lib = disk.join("lib");
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files(), &art);
    // Small enough for the exact index: no index files yet.
    assert_eq!(run_ok(&lib, &["import", art.to_str().unwrap(), "--json"]).json()["added"].as_u64(), Some(files.len() as u64));
    let index = lib.join("index");
    // The HNSW index of these artworks takes some 400 KB: leave 128 KB, enough for SQLite's
    // shared-memory file, not for the index.
    let filler = fill_leaving(&disk, 128 * 1024);
    let search = |args: &[&str]| run(&lib, args, Duration::from_secs(120)).unwrap_or_else(|| panic!("{args:?} hung"));
    let first = search(&["--index", "hnsw", "search", "id:1", "--top", "3", "--json"]);
    assert_eq!(first.json()[0]["results"].as_array().unwrap().len(), 3, "searching works on a full disk");
    let notice = format!("index not saved (it will be rebuilt next time): the disk holding {} is full", index.display());
    assert!(first.stderr.contains(&notice), "{}", first.stderr);
    assert_eq!(temp_files(&index), Vec::<String>::new(), "a failed save leaves no temporary file behind");
    // Later commands keep working: no "disk I/O error", no SIGBUS.
    for args in [&["--index", "hnsw", "search", "id:2", "--top", "3", "--json"][..], &["info", "--json"], &["search", "id:3", "--json"]] {
        let run = search(args);
        assert_eq!(run.code, Some(0), "{args:?}: {run:?}");
        assert!(!run.stderr.contains("disk I/O error"), "{}", run.stderr);
    }
    assert_eq!(temp_files(&index), Vec::<String>::new());
    // Space freed: the index is saved and loads next time, without a word.
    std::fs::remove_file(filler).unwrap();
    let saved = search(&["--index", "hnsw", "search", "id:1", "--top", "3"]);
    assert_eq!(saved.code, Some(0), "{saved:?}");
    assert!(index.join("state.json").exists());
    let info = search(&["--index", "hnsw", "info", "--json"]).json();
    assert_eq!(info["index"]["state"], "loaded", "{info}");
}

// ---------------------------------------------------------------------------------------------
// Saves racing each other.

#[test]
fn concurrent_searches_during_imports_leave_an_index_that_agrees_with_exact_search() {
    let tmp = tempfile::tempdir().unwrap();
    let lib_dir = tmp.path().join("lib");
    let hnsw = LibraryOptions { index: IndexKind::Hnsw, ..Default::default() };
    let samples = sample_files();
    let all: Weights = "all".parse().unwrap();
    import(&mut open(&lib_dir, hnsw), &copy_into(&samples[..8], &tmp.path().join("art-0")));
    for round in 1..=5 {
        let batch = copy_into(&samples[8 + (round - 1) * 4..8 + round * 4], &tmp.path().join(format!("art-{round}")));
        let newest = batch.last().unwrap().clone();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| {
                    while !stop.load(Ordering::Relaxed) {
                        // Each search opens the library afresh, as `kindred search` does: it loads the
                        // saved index, or rebuilds and saves it when it is not current.
                        let mut lib = open(&lib_dir, hnsw);
                        lib.search(&Query::Artwork(1), &all, 5).expect("search during an import");
                    }
                });
            }
            import(&mut open(&lib_dir, hnsw), &batch);
            stop.store(true, Ordering::Relaxed);
        });
        // The newest artwork, looked up with a near-duplicate of it, by the saved HNSW index (as
        // the next `kindred search` loads it) and by exact search.
        let query = tmp.path().join(format!("query-{round}.jpg"));
        near_duplicate(&newest, &query);
        let mut exact = open(&lib_dir, LibraryOptions { index: IndexKind::Exact, ..Default::default() });
        let newest_id = exact.catalog().artwork_by_path(&newest.canonicalize().unwrap()).unwrap().expect("catalogued").id;
        let want: Vec<i64> = exact.search(&Query::File(query.clone()), &all, 5).unwrap().hits.iter().map(|h| h.id).collect();
        assert_eq!(want[0], newest_id, "round {round}: exact search finds the newest artwork");
        let mut fresh = open(&lib_dir, hnsw);
        let got: Vec<i64> = fresh.search(&Query::File(query), &all, 5).unwrap().hits.iter().map(|h| h.id).collect();
        let state = fresh.info().unwrap().index;
        assert_eq!(got, want, "round {round}: the HNSW index ({}) disagrees with exact search", state.state);
        assert_eq!(state.vectors, 8 + round * 4);
        assert_eq!(temp_files(&lib_dir.join("index")), Vec::<String>::new());
    }
}
