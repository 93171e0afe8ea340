//! Steering a search (issue 16) with the real model: each aspect from its own image, a palette, a
//! region of an image, pushing away, and calibrated scores; through the library API and the CLI.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use image::{Rgb, RgbImage, imageops};
use kindred::compose::Composition;
use kindred::{Aspect, LibraryOptions, Query, Weights};

fn kindred(lib: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kindred")).arg("--library").arg(lib).args(args).output().expect("binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn file_names(results: &serde_json::Value) -> Vec<String> {
    results["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Path::new(h["path"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// A library of the first `n` samples (copied), with their copies' paths.
fn sample_library(dir: &Path, n: usize) -> (PathBuf, Vec<PathBuf>) {
    let (lib, art) = (dir.join("lib"), dir.join("art"));
    let files = copy_into(&sample_files()[..n], &art);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());
    (lib, files)
}

#[test]
fn each_aspect_is_compared_with_its_own_source() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    copy_into(&sample_files()[..20], &art);
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, &[art]);
    let (a, b) = (Query::Artwork(3), Query::Artwork(11));
    let mut composition = Composition::default();
    composition.sources.colour.push(a.clone());
    composition.sources.shape.push(b.clone());
    let composed = lib.search(&composition.query().unwrap(), &Weights::ALL, 18).unwrap();
    assert_eq!(composed.weights, Weights { colour: 1.0, texture: 0.0, shape: 0.2 }, "texture has no source: off");
    assert_eq!(composed.hits.len(), 18, "every artwork but the two sources");

    // Each hit's colour similarity is the one a colour search from A gives it, its shape
    // similarity the one a shape search from B gives it.
    let mut by_id = |query: &Query, aspect: Aspect| -> HashMap<i64, f32> {
        let hits = lib.search(query, &Weights::only(aspect), 19).unwrap().hits;
        hits.iter().map(|h| (h.id, h.aspects[&aspect])).collect()
    };
    let (colour_of_a, shape_of_b) = (by_id(&a, Aspect::Colour), by_id(&b, Aspect::Shape));
    for hit in &composed.hits {
        assert_eq!(hit.aspects.len(), 2, "{:?}", hit.aspects);
        assert!((hit.aspects[&Aspect::Colour] - colour_of_a[&hit.id]).abs() < 1e-5, "colour of {} routed to A", hit.id);
        assert!((hit.aspects[&Aspect::Shape] - shape_of_b[&hit.id]).abs() < 1e-5, "shape of {} routed to B", hit.id);
    }

    // Several images in one aspect: the first hits are close to both.
    let mut two = Composition::default();
    two.sources.texture = vec![a.clone(), b.clone()];
    let both = lib.search(&two.query().unwrap(), &Weights::ALL, 5).unwrap();
    assert_eq!(both.weights, Weights { colour: 0.0, texture: 0.5, shape: 0.0 });
    assert!(both.hits.iter().all(|h| h.id != 3 && h.id != 11), "sources are left out");

    // Calibrated scores: in [0, 1], in rank order, and the share of sampled pairs below.
    let calibration = lib.calibration().expect("calibrated by the searches");
    assert_eq!(calibration.pairs(), 20 * 19 / 2, "all pairs of a small library");
    for w in composed.hits.windows(2) {
        assert!(w[0].alike >= w[1].alike && (0.0..=1.0).contains(&w[1].alike));
    }
    let top = &composed.hits[0];
    assert!(top.alike > 0.5, "the best match is more alike than most pairs: {}", top.alike);
    assert!(top.aspects_alike.keys().all(|a| top.aspects.contains_key(a)) && top.aspects_alike.len() == 2);
}

#[test]
fn a_palette_finds_the_artworks_of_its_colours_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (art, lib) = (tmp.path().join("art"), tmp.path().join("lib"));
    std::fs::create_dir_all(&art).unwrap();
    let flat = |name: &str, colours: &[([u8; 3], u32)]| {
        // Vertical bands, each as wide as its share of 100 columns.
        let mut bands = Vec::new();
        for (rgb, share) in colours {
            bands.extend(std::iter::repeat_n(*rgb, *share as usize));
        }
        RgbImage::from_fn(100, 80, |x, _| Rgb(bands[x as usize])).save(art.join(name)).unwrap();
    };
    let (navy, amber, red, green, white, black) =
        ([30, 58, 138], [251, 191, 36], [200, 30, 30], [30, 160, 60], [250, 250, 250], [10, 10, 10]);
    flat("navy-amber.png", &[(navy, 70), (amber, 30)]);
    flat("amber-navy.png", &[(amber, 70), (navy, 30)]);
    flat("red.png", &[(red, 100)]);
    flat("green.png", &[(green, 100)]);
    flat("white.png", &[(white, 100)]);
    flat("black.png", &[(black, 100)]);
    flat("red-green.png", &[(red, 50), (green, 50)]);
    flat("navy-white.png", &[(navy, 50), (white, 50)]);
    flat("amber-black.png", &[(amber, 50), (black, 50)]);
    assert!(kindred(&lib, &["import", art.to_str().unwrap()]).status.success());

    let search = |palette: &str| file_names(&stdout_json(&kindred(&lib, &["search", "--palette", palette, "--json"]))[0]);
    assert_eq!(search("#c81e1e")[0], "red.png");
    assert_eq!(search("#1ea03c")[0], "green.png");
    let navy_amber = search("#1e3a8a:0.7,#fbbf24:0.3");
    assert_eq!(navy_amber[..2], ["navy-amber.png", "amber-navy.png"], "both colours first, heavier navy first");
    assert_eq!(search("#fbbf24:0.7,#1e3a8a")[0], "amber-navy.png");
    let red_green = search("#c81e1e,#1ea03c");
    assert_eq!(red_green[0], "red-green.png");

    // A palette has colour only: asking for shape says so.
    let out = kindred(&lib, &["search", "--palette", "#c81e1e", "--aspect", "shape"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nothing to compare by shape (it has colour)"), "{}", stderr(&out));
}

#[test]
fn a_region_finds_the_artwork_of_that_part_first() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, files) = sample_library(tmp.path(), 30);
    for (checked, (left, right)) in [(&files[2], &files[17]), (&files[9], &files[25]), (&files[21], &files[5])].into_iter().enumerate() {
        // Two artworks side by side, each squeezed into a 300 x 300 half.
        let half = |p: &Path| imageops::resize(&load_flat(p), 300, 300, imageops::FilterType::Triangle);
        let mut composite = RgbImage::new(600, 300);
        imageops::replace(&mut composite, &half(left), 0, 0);
        imageops::replace(&mut composite, &half(right), 300, 0);
        let query = tmp.path().join(format!("composite-{checked}.png"));
        composite.save(&query).unwrap();
        for (region, expected) in [("0,0,300,300", left), ("300,0,300,300", right)] {
            let results = stdout_json(&kindred(&lib, &["search", query.to_str().unwrap(), "--region", region, "--json"]));
            assert_eq!(results[0]["query"], format!("{}[{region}]", query.display()));
            let names = file_names(&results[0]);
            assert_eq!(names[0], expected.file_name().unwrap().to_string_lossy(), "region {region} of {}", query.display());
        }
    }

    // Regions that cannot be searched say why.
    let q = files[0].to_str().unwrap();
    let out = kindred(&lib, &["search", q, "--region", "0,0,0,10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is empty"), "{}", stderr(&out));
    let out = kindred(&lib, &["search", q, "--region", "0,0,100000,20"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("reaches outside the image, which is"), "{}", stderr(&out));
    let out = kindred(&lib, &["search", q, "--region", "0,0,4,4"]);
    assert!(stderr(&out).contains("too small"), "{}", stderr(&out));
    let out = kindred(&lib, &["search", "--palette", "#ffffff", "--region", "0,0,40,40"]);
    assert_eq!(out.status.code(), Some(2), "a region needs a query image: {}", stderr(&out));
}

#[test]
fn not_demotes_the_near_duplicate_of_the_pushed_away_image() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, files) = sample_library(tmp.path(), 40);
    let mut demoted = 0;
    for query in [&files[3], &files[14], &files[30]] {
        let q = query.to_str().unwrap();
        let before = file_names(&stdout_json(&kindred(&lib, &["search", q, "--top", "39", "--json"]))[0]);
        // Push away a copy (outside the library) of the best match: the match itself goes down.
        let best = &before[0];
        let copy = tmp.path().join(format!("away-{best}.jpg"));
        near_duplicate(&tmp.path().join("art").join(best), &copy);
        let out = kindred(&lib, &["search", q, "--top", "39", "--not", copy.to_str().unwrap(), "--json"]);
        let results = stdout_json(&out);
        assert_eq!(results[0]["query"], format!("{q} − {}", copy.display()));
        let after = file_names(&results[0]);
        let rank = after.iter().position(|n| n == best).expect("still ranked");
        assert!(rank > 0, "{best} pushed below the first place (now {rank}) for {q}");
        demoted += 1;
    }
    assert_eq!(demoted, 3);
}

#[test]
fn composed_queries_are_one_entry_and_bad_input_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let (lib, files) = sample_library(tmp.path(), 12);
    let (a, b, c) = (files[1].to_str().unwrap(), files[4].to_str().unwrap(), files[7].to_str().unwrap());
    // The id of a fourth artwork (ids follow the import's order): the one its own search leaves out.
    let others = stdout_json(&kindred(&lib, &["search", files[10].to_str().unwrap(), "--top", "11", "--json"]));
    let others: Vec<i64> = others[0]["results"].as_array().unwrap().iter().map(|h| h["id"].as_i64().unwrap()).collect();
    let d = format!("id:{}", (1..=12).find(|i| !others.contains(i)).unwrap());
    let out = kindred(&lib, &["search", "--colour-from", a, "--texture-from", b, "--shape-from", &d, "--not-colour", c, "--json"]);
    let results = stdout_json(&out);
    assert_eq!(results.as_array().unwrap().len(), 1, "a composed query is one entry");
    assert_eq!(results[0]["query"], format!("colour:{a} + texture:{b} + shape:{d} − colour:{c}"));
    let hits = results[0]["results"].as_array().unwrap();
    assert_eq!(hits.len(), 8, "12 artworks but the 4 in the query");
    for h in hits {
        let (score, cosine) = (h["score"].as_f64().unwrap(), h["cosine"].as_f64().unwrap());
        assert!((0.0..=1.0).contains(&score) && cosine.is_finite() && h["id"].is_i64() && h["path"].is_string(), "{h}");
    }
    let mixed = stdout_json(&kindred(&lib, &["search", a, b, "--mix", "--top", "3", "--json"]));
    assert_eq!(mixed.as_array().unwrap().len(), 1);
    assert_eq!(mixed[0]["query"], format!("{a} + {b}"));
    let each = stdout_json(&kindred(&lib, &["search", a, b, "--not", c, "--top", "3", "--json"]));
    assert_eq!(each.as_array().unwrap().len(), 2, "without --mix each query is pushed away on its own");

    let missing = tmp.path().join("nope.png");
    for (args, code, says) in [
        (vec!["--colour-from", missing.to_str().unwrap()], 1, "nope.png"),
        (vec!["--texture-from", "id:999"], 1, "artwork 999"),
        (vec!["--shape-from", "id:x"], 2, "expected id:NUMBER"),
        (vec!["--palette", "#12345g"], 2, "is not a colour"),
        (vec!["--palette", "#123456:0"], 2, "positive"),
        (vec![a, "--not", missing.to_str().unwrap()], 1, "nope.png"),
        (vec!["--not", a], 2, "required"),
    ] {
        let out = kindred(&lib, &[&["search"][..], &args].concat());
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}
