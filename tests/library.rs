//! End-to-end behaviour of the library API with the real model, SQLite and the sample artworks.

mod common;

use std::path::PathBuf;

use common::*;
use kindred::catalog::Status;
use kindred::index::{Backend, Origin};
use kindred::library::IndexKind;
use kindred::{Aspect, LibraryOptions, Query, QueryKind, Weights};

#[test]
fn imports_samples_and_finds_near_duplicates_first() {
    let tmp = tempfile::tempdir().unwrap();
    let files = sample_files();
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    let summary = import(&mut lib, &[samples_dir()]);
    assert_eq!(summary.added, files.len(), "errors: {:?}", summary.errors);
    assert_eq!(summary.failed, 0);
    assert_eq!(lib.catalog().counts(lib.model()).unwrap().ok as usize, files.len());

    // Every 8th sample: a cropped, downscaled, JPEG re-encoded copy must find its original first.
    for src in files.iter().step_by(8) {
        let query = tmp.path().join(format!("{}-copy.jpg", src.file_stem().unwrap().to_string_lossy()));
        near_duplicate(src, &query);
        let results = lib.search(&Query::File(query.clone()), &Weights::ALL, 5).unwrap();
        assert_eq!(results.query_id, None, "a copy outside the library is not excluded");
        let top = &results.hits[0];
        assert_eq!(top.path.file_name(), src.file_name(), "query {}: got {:?}", query.display(), results.hits);
        assert!(results.hits.windows(2).all(|w| w[0].score >= w[1].score), "scores sorted");
    }
}

#[test]
fn query_artwork_is_excluded_from_its_own_results() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_into(&sample_files()[..12], &tmp.path().join("art"));
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, &[tmp.path().join("art")]);
    let by_file = lib.search(&Query::File(files[3].clone()), &Weights::ALL, 20).unwrap();
    let id = by_file.query_id.expect("the query file is in the library");
    assert!(by_file.hits.iter().all(|h| h.id != id));
    assert_eq!(by_file.hits.len(), 11);
    let by_id = lib.search(&Query::Artwork(id), &Weights::ALL, 20).unwrap();
    let ids = |r: &kindred::library::SearchResults| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
    assert_eq!(ids(&by_id), ids(&by_file));
}

#[test]
fn same_palette_duotones_rank_first_under_colour() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..30], &art);
    let (navy, gold) = ([20, 30, 90], [250, 200, 60]);
    let (maroon, mint) = ([90, 10, 30], [140, 250, 200]);
    let mut gold_set = Vec::new();
    for (i, src) in files.iter().skip(30 - 8).enumerate() {
        let dest = art.join(format!("duotone-{i}.png"));
        if i % 2 == 0 {
            duotone(src, &dest, navy, gold);
            gold_set.push(dest);
        } else {
            duotone(src, &dest, maroon, mint);
        }
    }
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, std::slice::from_ref(&art));
    // Query: a navy/gold duotone of an artwork that has no duotone in the library.
    let query = tmp.path().join("query.png");
    duotone(&files[0], &query, navy, gold);
    let hits = lib.search(&Query::File(query), &Weights::only(kindred::Aspect::Colour), gold_set.len()).unwrap().hits;
    let got: Vec<PathBuf> = hits.iter().map(|h| h.path.clone()).collect();
    for g in &gold_set {
        assert!(got.contains(&std::fs::canonicalize(g).unwrap()), "{} not among {got:?}", g.display());
    }
}

#[test]
fn reimport_is_incremental_and_tracks_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..10], &art);
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    assert_eq!(import(&mut lib, std::slice::from_ref(&art)).added, 10);

    let again = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!((again.added, again.updated, again.unchanged, again.missing), (0, 0, 10, 0));

    // A changed file (new content) is embedded again; exactly one.
    near_duplicate(&files[2], &tmp.path().join("edit.jpg"));
    std::fs::copy(tmp.path().join("edit.jpg"), &files[2]).unwrap();
    let changed = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!((changed.added, changed.updated, changed.unchanged), (0, 1, 9));

    // Touching without changing content: noticed, nothing recomputed.
    let f = std::fs::File::options().write(true).open(&files[4]).unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5)).unwrap();
    let touched = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!((touched.updated, touched.unchanged), (1, 9));

    // Moved: found by content hash, vectors kept.
    let sub = art.join("moved");
    std::fs::create_dir(&sub).unwrap();
    let moved_to = sub.join(files[5].file_name().unwrap());
    std::fs::rename(&files[5], &moved_to).unwrap();
    let moved = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!((moved.moved, moved.added, moved.missing), (1, 0, 0));
    let a = lib.catalog().artwork_by_path(&std::fs::canonicalize(&moved_to).unwrap()).unwrap().unwrap();
    assert_eq!(a.status, Status::Ok);

    // Deleted but not yet re-scanned: still found, flagged as missing.
    std::fs::remove_file(&files[7]).unwrap();
    let gone = std::fs::canonicalize(&art).unwrap().join(files[7].file_name().unwrap());
    let hits = lib.search(&Query::File(files[0].clone()), &Weights::ALL, 20).unwrap().hits;
    assert!(hits.iter().any(|h| h.path == gone && h.missing), "deleted file flagged in results");
    assert!(hits.iter().filter(|h| h.path != gone).all(|h| !h.missing));

    // Re-scanned: marked missing and no longer returned.
    let deleted = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!((deleted.missing, deleted.unchanged), (1, 9));
    assert_eq!(lib.catalog().artwork_by_path(&gone).unwrap().unwrap().status, Status::Missing);
    let hits = lib.search(&Query::File(files[0].clone()), &Weights::ALL, 20).unwrap().hits;
    assert_eq!(hits.len(), 8);
    assert!(hits.iter().all(|h| h.path != gone));
}

#[test]
fn bad_files_are_reported_and_good_ones_imported() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let good = copy_into(&sample_files()[..3], &art);
    let jpeg = std::fs::read(sample_files().iter().find(|p| p.extension().unwrap() == "jpg").unwrap()).unwrap();
    std::fs::write(art.join("empty.jpg"), b"").unwrap();
    std::fs::write(art.join("truncated.jpg"), &jpeg[..jpeg.len() / 3]).unwrap();
    std::fs::write(art.join("notes.png"), b"this is a text file with an image name\n").unwrap();
    std::fs::write(art.join("readme.txt"), b"not an image, not named like one: ignored").unwrap();
    std::fs::write(art.join("bomb.png"), bomb_png(60_000, 60_000)).unwrap();
    std::fs::write(art.join(".hidden.png"), b"hidden files are skipped").unwrap();

    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    let s = import(&mut lib, std::slice::from_ref(&art));
    assert_eq!(s.added, good.len());
    assert_eq!(s.failed, 4, "{:?}", s.errors);
    let reason = |name: &str| s.errors.iter().find(|(p, _)| p.file_name().unwrap() == name).map(|(_, r)| r.clone()).unwrap_or_default();
    assert!(reason("empty.jpg").contains("empty"), "{}", reason("empty.jpg"));
    assert!(reason("truncated.jpg").contains("truncated"), "{}", reason("truncated.jpg"));
    assert!(reason("notes.png").contains("not a supported image"), "{}", reason("notes.png"));
    assert!(reason("bomb.png").contains("too large"), "{}", reason("bomb.png"));
    let failures = lib.failures().unwrap();
    assert_eq!(failures.len(), 4, "{failures:?}");
    // Failures are remembered: an unchanged bad file is not retried.
    let again = import(&mut lib, &[art]);
    assert_eq!((again.failed, again.unchanged), (0, 7));
}

#[test]
fn hnsw_index_is_a_rebuildable_cache_that_agrees_with_exact_search() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lib");
    let hnsw = LibraryOptions { index: IndexKind::Hnsw, ..Default::default() };
    let mut lib = open(&dir, hnsw);
    import(&mut lib, &[samples_dir()]);
    assert_eq!(lib.info().unwrap().index.kind, Backend::Hnsw);
    let query = Query::File(sample_files()[4].clone());
    let ids = |lib: &mut kindred::Library| lib.search(&query, &Weights::ALL, 10).unwrap().hits.iter().map(|h| h.id).collect::<Vec<_>>();
    let reference = ids(&mut open(&dir, LibraryOptions { index: IndexKind::Exact, ..Default::default() }));
    assert_eq!(ids(&mut lib), reference);
    drop(lib);

    // Saved and reloaded as is.
    let mut lib = open(&dir, hnsw);
    assert_eq!(lib.info().unwrap().index.state, Origin::Loaded);
    drop(lib);

    // Damaged, truncated or missing files are detected and rebuilt from the catalog.
    let shape = dir.join("index/shape.usearch");
    let len = std::fs::metadata(&shape).unwrap().len();
    for damage in ["zero", "truncate", "delete"] {
        match damage {
            "zero" => std::fs::write(&shape, vec![0u8; len as usize]).unwrap(),
            "truncate" => std::fs::write(&shape, &std::fs::read(&shape).unwrap()[..len as usize / 2]).unwrap(),
            _ => std::fs::remove_file(&shape).unwrap(),
        }
        let mut lib = open(&dir, hnsw);
        let state = lib.info().unwrap().index.state.to_string();
        assert!(state.starts_with("rebuilt"), "{damage}: {state}");
        let notice = lib.take_notice().expect("the user is told about the rebuild");
        assert!(notice.contains("rebuilt"), "{notice}");
        assert_eq!(lib.take_notice(), None, "told once");
        assert_eq!(ids(&mut lib), reference, "{damage}");
    }
}

/// An index saved by the previous version (state format 1: f16 vectors, usearch's cosine kernel,
/// no record of either) is rebuilt from the catalog with a clear reason, never loaded; so is one
/// whose state claims the current representations over files of the old one.
#[test]
fn an_index_saved_in_the_old_representation_is_rebuilt() {
    use kindred::index::{HnswIndex, HnswParams, Metric, Representation, Storage, VectorIndex};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("lib");
    let hnsw = LibraryOptions { index: IndexKind::Hnsw, ..Default::default() };
    let mut lib = open(&dir, hnsw);
    import(&mut lib, &[samples_dir()]);
    let query = Query::File(sample_files()[7].clone());
    let ids = |lib: &mut kindred::Library| lib.search(&query, &Weights::ALL, 10).unwrap().hits.iter().map(|h| h.id).collect::<Vec<_>>();
    let reference = ids(&mut lib);
    drop(lib);

    // What the old version wrote: each aspect as f16 with the cosine kernel, checksummed, and a
    // state.json with the given format and representations (JSON members, may be empty).
    let old = Representation::metric(Storage::F16);
    let write_old_index = |format: u32, representations: &str| {
        let lib = open(&dir, hnsw);
        let mut sums = Vec::new();
        for aspect in Aspect::ALL {
            let mut index = HnswIndex::new(aspect.dim(), Metric::Cosine, old, HnswParams::default(), 64).unwrap();
            lib.catalog().for_each_embedding(lib.model(), |id, e| index.add(id as u64, &e[aspect])).unwrap();
            let path = dir.join(format!("index/{aspect}.usearch"));
            index.save(&path).unwrap();
            sums.push(format!("\"{}\"", blake3::hash(&std::fs::read(&path).unwrap()).to_hex()));
        }
        let (model, generation) = (lib.model().as_str(), lib.catalog().generation().unwrap());
        let state = format!(
            r#"{{"format":{format},"model":"{model}","metric":"cosine","generation":{generation},{representations}"files":[{}]}}"#,
            sums.join(",")
        );
        std::fs::write(dir.join("index/state.json"), state).unwrap();
    };
    let listed = |reprs: Vec<Representation>| {
        let json: Vec<String> = reprs.iter().map(|r| serde_json::to_string(r).unwrap()).collect();
        format!(r#""representations":[{}],"#, json.join(","))
    };
    let current = listed(Aspect::ALL.iter().map(|a| kindred::index::hnsw_representation(*a, Metric::Cosine)).collect());
    let cases = [
        (1, String::new(), "saved index has format 1, this version uses format 2"),
        (2, listed(vec![old; 3]), "saved colour index holds f16 metric vectors, this version uses f32 unit-ip"),
        (2, String::new(), "records 0 vector representations"),
        // The state claims the current representations over the old files (a hand-edited or
        // half-migrated state): the loader checks each file's header.
        (2, current, "holds F16 vectors with the Cos kernel"),
    ];
    for (format, representations, why) in cases {
        write_old_index(format, &representations);
        let mut lib = open(&dir, hnsw);
        let state = lib.info().unwrap().index.state.to_string();
        assert!(state.starts_with("rebuilt") && state.contains(why), "format {format}: {state}");
        let notice = lib.take_notice().expect("the user is told about the rebuild");
        assert!(notice.contains(why), "{notice}");
        assert_eq!(ids(&mut lib), reference, "format {format}: same results after the rebuild");
        drop(lib);
        // The rebuilt index was saved in the current format and loads as is.
        assert_eq!(open(&dir, hnsw).info().unwrap().index.state, Origin::Loaded);
    }
}

#[test]
fn a_query_file_that_changes_is_embedded_again() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_into(&sample_files()[..10], &tmp.path().join("art"));
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, &[tmp.path().join("art")]);
    let query = tmp.path().join("query.jpg");
    let top = |lib: &mut kindred::Library| lib.search(&Query::File(query.clone()), &Weights::ALL, 3).unwrap().hits[0].path.clone();
    near_duplicate(&files[2], &query);
    assert_eq!(top(&mut lib).file_name(), files[2].file_name());
    assert_eq!(top(&mut lib).file_name(), files[2].file_name(), "re-ranking the same file");
    // Same path, new content (and size): the remembered features must not be reused.
    near_duplicate(&files[6], &query);
    assert_eq!(top(&mut lib).file_name(), files[6].file_name());
}

/// Several images as one query: a blend of one image is that image's query, and a blend of two
/// never returns its members, ranking first what is like both.
#[test]
fn a_blended_query_excludes_its_members_and_one_member_is_a_plain_query() {
    let tmp = tempfile::tempdir().unwrap();
    copy_into(&sample_files()[..24], &tmp.path().join("art"));
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, &[tmp.path().join("art")]);
    let ids = |r: &kindred::library::SearchResults| r.hits.iter().map(|h| h.id).collect::<Vec<_>>();
    let (a, b) = (Query::Artwork(3), Query::Artwork(17));
    let single = lib.search(&a, &Weights::ALL, 10).unwrap();
    let blend_of_one = lib.search(&Query::like_all([a.clone()]), &Weights::ALL, 10).unwrap();
    assert_eq!(ids(&blend_of_one), ids(&single));
    assert_eq!(blend_of_one.query_id, None, "a blend is not one artwork");
    let both = lib.search(&Query::like_all([a, b]), &Weights::ALL, 22).unwrap();
    assert_eq!(both.hits.len(), 22, "all 24 but the two members");
    assert!(both.hits.iter().all(|h| h.id != 3 && h.id != 17), "{:?}", ids(&both));
    assert!(lib.search(&Query::Blend(vec![]), &Weights::ALL, 5).is_err());
}

/// One near-duplicate test for the whole library: a cropped, downscaled, JPEG re-encoded copy is
/// a near-duplicate of its original; no two different samples are.
#[test]
fn near_duplicates_are_copies_and_only_copies() {
    use kindred::duplicates::{is_near_duplicate, similarities};
    let tmp = tempfile::tempdir().unwrap();
    let files = sample_files();
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, &[samples_dir()]);
    let mut stored = Vec::new();
    lib.catalog()
        .for_each_embedding(lib.model(), |id, e| {
            stored.push((id, e));
            Ok(())
        })
        .unwrap();
    let mut lowest = kindred::PerAspect::from_fn(|_| 1.0f32);
    for src in &files {
        let copy = tmp.path().join(format!("{}-copy.jpg", src.file_stem().unwrap().to_string_lossy()));
        near_duplicate(src, &copy);
        let original = lib.query_features(&Query::File(src.clone())).unwrap();
        let copied = lib.query_features(&Query::File(copy)).unwrap();
        let s = similarities(&original.features.embedding, &copied.features.embedding);
        lowest = lowest.map(|a, low| low.min(s[a]));
        // The copy is a JPEG (never a cut-out): the pictures' test applies.
        assert!(is_near_duplicate(&s, false), "{} and its copy: {s:?}", src.display());
    }
    let mut highest = kindred::PerAspect::from_fn(|_| -1.0f32);
    for (i, (ia, a)) in stored.iter().enumerate() {
        for (ib, b) in &stored[i + 1..] {
            let s = similarities(a, b);
            highest = highest.map(|asp, high| high.max(s[asp]));
            assert!(!is_near_duplicate(&s, false), "artworks {ia} and {ib} are different pictures: {s:?}");
        }
    }
    println!("copies: lowest similarity {lowest:?}; different samples: highest {highest:?}");
}

/// Copies of one picture (the same file in two folders, a resized re-encoded copy) fold into the
/// best-ranked of them; different pictures never fold, and nothing is lost.
#[test]
fn collapse_copies_folds_copies_of_one_picture_into_its_best_ranked_hit() {
    let tmp = tempfile::tempdir().unwrap();
    let files = copy_into(&sample_files()[..10], &tmp.path().join("art"));
    let twice = tmp.path().join("art/again");
    std::fs::create_dir_all(&twice).unwrap();
    std::fs::copy(&files[4], twice.join(files[4].file_name().unwrap())).unwrap();
    near_duplicate(&files[4], &tmp.path().join("art/again/smaller.jpg"));
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    assert_eq!(import(&mut lib, &[tmp.path().join("art")]).added, 12);
    // An outside query: every artwork is a result, the three copies among them.
    let query = tmp.path().join("query.jpg");
    near_duplicate(&files[4], &query);
    let hits = lib.search(&Query::File(query), &Weights::ALL, 100).unwrap().hits;
    assert_eq!(hits.len(), 12);
    let folded = lib.collapse_copies(hits.clone()).unwrap();
    assert_eq!(folded.len(), 10, "one tile per picture: {:?}", folded.iter().map(|h| (&h.path, h.copies.len())).collect::<Vec<_>>());
    let with_copies: Vec<_> = folded.iter().filter(|h| !h.copies.is_empty()).collect();
    assert_eq!(with_copies.len(), 1);
    let picture = with_copies[0];
    assert_eq!(picture.copies.len(), 2);
    let names: Vec<_> = std::iter::once(picture).chain(&picture.copies).map(|h| h.path.file_name().unwrap().to_owned()).collect();
    assert_eq!(names.iter().filter(|n| **n == *files[4].file_name().unwrap()).count(), 2, "{names:?}");
    assert!(names.iter().any(|n| n == "smaller.jpg"), "{names:?}");
    // Rank order is kept: the tile is the best-ranked copy, its copies follow in rank order.
    let rank = |id| hits.iter().position(|h| h.id == id).unwrap();
    assert!(picture.copies.iter().all(|c| rank(c.id) > rank(picture.id)));
    assert!(folded.windows(2).all(|w| rank(w[0].id) < rank(w[1].id)));
    let mut all: Vec<_> = folded.iter().flat_map(|h| std::iter::once(h.id).chain(h.copies.iter().map(|c| c.id))).collect();
    all.sort_unstable();
    let mut before: Vec<_> = hits.iter().map(|h| h.id).collect();
    before.sort_unstable();
    assert_eq!(all, before, "nothing lost");
}

/// The duplicates finder, on a labelled set: exact copies, resized re-encoded copies (with and
/// without an exact copy beside them), a duotone of the same drawing (a different picture) and
/// eight other samples as distractors. Every copy is found, nothing else is, best quality first.
#[test]
fn duplicates_finds_exact_and_near_copies_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..12], &art);
    let copies = art.join("copies");
    std::fs::create_dir_all(&copies).unwrap();
    let exact = |i: usize, name: &str| std::fs::copy(&files[i], copies.join(name)).unwrap();
    exact(0, "a-again.png");
    near_duplicate(&files[0], &copies.join("a-small.jpg"));
    near_duplicate(&files[1], &copies.join("b-small.jpg"));
    exact(2, "c-again.png");
    duotone(&files[3], &copies.join("d-duotone.png"), [20, 30, 90], [250, 220, 120]);
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    assert_eq!(import(&mut lib, &[art]).added, 17);

    let groups = lib.duplicates(None).unwrap();
    let names: Vec<Vec<String>> =
        groups.iter().map(|g| g.members.iter().map(|m| m.path.file_name().unwrap().to_string_lossy().into_owned()).collect()).collect();
    let name = |i: usize| files[i].file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(groups.len(), 3, "{names:?}");
    assert_eq!(groups[0].members.len(), 3, "the largest group first: {names:?}");
    let mut first = names[0].clone();
    first.sort();
    let mut expected = vec![name(0), "a-again.png".into(), "a-small.jpg".into()];
    expected.sort();
    assert_eq!(first, expected);
    assert_eq!(names[0][2], "a-small.jpg", "the smaller copy comes last");
    assert_eq!(groups[0].kind, kindred::duplicates::Sameness::Near, "not all its files are identical");
    let rest: Vec<(&Vec<String>, kindred::duplicates::Sameness)> = names[1..].iter().zip(groups[1..].iter().map(|g| g.kind)).collect();
    assert!(rest.contains(&(&vec![name(1), "b-small.jpg".into()], kindred::duplicates::Sameness::Near)), "{names:?}");
    let c = groups.iter().find(|g| g.kind == kindred::duplicates::Sameness::Exact).expect("the identical pair");
    assert_eq!(c.members.len(), 2);
    assert!(c.members.iter().all(|m| m.width.is_some() && m.size > 0));
    assert!(names.iter().flatten().all(|n| n != "d-duotone.png"), "a duotone is another picture: {names:?}");
    // Stricter than any copy here: only the identical files remain together.
    let strict = lib.duplicates(Some(0.999)).unwrap();
    assert!(strict.iter().all(|g| g.kind == kindred::duplicates::Sameness::Exact), "{strict:?}");
    assert_eq!(strict.len(), 2, "a and its identical copy, c and its identical copy");
    assert!(lib.duplicates(Some(1.5)).is_err(), "a similarity above 1 is refused");
}

/// Issue 11: the preset `all` weighs a cut-out (artwork on a transparent background) by how it is
/// drawn, not by its colour; a flattened copy of the same artwork is a picture and keeps `all`.
/// Both still find each other first, and the transparent share is stored in the catalog.
#[test]
fn all_adapts_to_cutouts_and_a_flattened_copy_stays_a_picture() {
    let tmp = tempfile::tempdir().unwrap();
    let transparent = |p: &PathBuf| {
        let rgba = image::open(p).unwrap().to_rgba8();
        rgba.pixels().filter(|px| px[3] < 250).count() as f32 / (rgba.width() * rgba.height()) as f32
    };
    let samples = sample_files();
    let cutout = samples.iter().find(|p| transparent(p) > 0.2).expect("a sample with a transparent background").clone();
    let files = copy_into(&samples[..16].iter().cloned().chain([cutout.clone()]).collect::<Vec<_>>(), &tmp.path().join("art"));
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    import(&mut lib, &[tmp.path().join("art")]);
    let original = files.iter().find(|p| p.file_name() == cutout.file_name()).unwrap();

    let as_cutout = lib.search(&Query::File(original.clone()), &Weights::ALL, 5).unwrap();
    let id = as_cutout.query_id.unwrap();
    assert!((lib.catalog().transparent(id).unwrap() - transparent(&cutout)).abs() < 0.05, "stored share");
    assert_eq!((as_cutout.kind, as_cutout.weights), (QueryKind::Cutout, QueryKind::CUTOUT_WEIGHTS));
    assert!(as_cutout.hits.iter().all(|h| !h.aspects.contains_key(&Aspect::Colour)), "colour is off for a cut-out");
    // A cut-out's texture is its style part (kindred::style), not the whole texture vector.
    let top = &as_cutout.hits[0];
    let stored = lib.catalog().embeddings(&[id, top.id], lib.model()).unwrap();
    let part = |i| kindred::search::texture_part(&stored[&i][Aspect::Texture], QueryKind::Cutout);
    let (q, h) = (part(id), part(top.id));
    assert_eq!(q.len(), kindred::style::STYLE_DIM);
    let style_cosine: f32 = q.iter().zip(&h).map(|(a, b)| a * b).sum();
    let whole: f32 = stored[&id][Aspect::Texture].iter().zip(&stored[&top.id][Aspect::Texture]).map(|(a, b)| a * b).sum();
    let texture = top.aspects[&Aspect::Texture];
    assert!((texture - style_cosine).abs() < 1e-3, "texture {texture} is the style cosine {style_cosine} (whole vector: {whole})");
    assert!((style_cosine - whole).abs() > 1e-3, "the test tells the two apart");
    // Explicit weights are taken as given.
    let colour = lib.search(&Query::Artwork(id), &Weights::only(Aspect::Colour), 5).unwrap();
    assert_eq!(colour.weights, Weights::only(Aspect::Colour));

    let flat = tmp.path().join("flattened.png");
    load_flat(original).save(&flat).unwrap();
    let as_picture = lib.search(&Query::File(flat), &Weights::ALL, 5).unwrap();
    assert_eq!((as_picture.kind, as_picture.weights), (QueryKind::Picture, Weights::ALL));
    assert_eq!(as_picture.hits[0].id, id, "the flattened copy finds its original first");
    // A picture compares brushwork only, scaled back to the brushwork cosine: within [-1, 1].
    let texture = as_picture.hits[0].aspects[&Aspect::Texture];
    assert!(texture > 0.9 && texture <= 1.0 + 1e-4, "brushwork cosine of a copy: {texture}");
}

/// A trash that moves files into a folder of its own and records what it was asked (the test
/// machine's desktop trash is not the test's to fill).
#[derive(Debug)]
struct FolderTrash {
    dir: PathBuf,
    asked: std::sync::Mutex<Vec<PathBuf>>,
}

impl kindred::library::Trash for FolderTrash {
    fn trash(&self, path: &std::path::Path) -> Result<(), String> {
        self.asked.lock().unwrap().push(path.to_path_buf());
        std::fs::rename(path, self.dir.join(path.file_name().unwrap())).map_err(|e| e.to_string())
    }
}

/// "Keep only this one": the others go to the trash and leave the searchable set, the catalog
/// keeps them with a note; a copy changed since its import is left alone; a file restored from
/// the trash comes back at the next rescan, searchable again, without being embedded again.
#[test]
fn keep_only_this_one_trashes_the_others_and_a_restored_file_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..6], &art);
    let copies = art.join("copies");
    std::fs::create_dir_all(&copies).unwrap();
    std::fs::copy(&files[0], copies.join("a-again.png")).unwrap();
    near_duplicate(&files[0], &copies.join("a-small.jpg"));
    std::fs::copy(&files[1], copies.join("b-again.png")).unwrap();
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    assert_eq!(import(&mut lib, std::slice::from_ref(&art)).added, 9);
    let trash = FolderTrash { dir: tmp.path().join("trash"), asked: Default::default() };
    std::fs::create_dir_all(&trash.dir).unwrap();

    let groups = lib.duplicates(None).unwrap();
    let a = groups.iter().find(|g| g.members.len() == 3).expect("a, its copy and its small copy");
    let (keep, others): (_, Vec<i64>) = (a.members[0].id, a.members[1..].iter().map(|m| m.id).collect());
    let other_paths: Vec<PathBuf> = a.members[1..].iter().map(|m| m.path.clone()).collect();
    let searchable = |lib: &kindred::Library| lib.catalog().counts(lib.model()).unwrap().ok;
    let done = lib.keep_only(keep, &others, &trash).unwrap();
    assert_eq!(done.kept, a.members[0].path);
    assert_eq!(done.trashed, other_paths);
    assert!(done.left.is_empty(), "{:?}", done.left);
    assert_eq!(*trash.asked.lock().unwrap(), other_paths, "the trash was asked for exactly the others");
    assert!(other_paths.iter().all(|p| !p.exists()) && a.members[0].path.exists());
    assert_eq!(searchable(&lib), 7);
    for id in &others {
        let gone = lib.catalog().artwork(*id).unwrap().expect("the record is kept");
        assert_eq!(gone.status, Status::Missing);
        let note = gone.error.unwrap();
        assert!(note.contains("moved to the system trash") && note.contains(&a.members[0].path.display().to_string()), "{note}");
    }
    let kept = Query::File(a.members[0].path.clone());
    let hits = lib.search(&kept, &Weights::ALL, 9).unwrap().hits;
    assert!(hits.iter().all(|h| !others.contains(&h.id)), "trashed copies are no longer found: {hits:?}");
    assert_eq!(lib.duplicates(None).unwrap().len(), 1, "only b and its copy are left");

    // A copy changed since its import is not taken for a copy any more: it stays.
    let b = lib.duplicates(None).unwrap().remove(0);
    std::fs::write(&b.members[1].path, b"changed").unwrap();
    let done = lib.keep_only(b.members[0].id, &[b.members[1].id], &trash).unwrap();
    assert!(done.trashed.is_empty() && done.left.len() == 1, "{done:?}");
    assert!(b.members[1].path.exists());
    assert_eq!(trash.asked.lock().unwrap().len(), 2, "the trash was not asked");
    // Keeping one that is no longer there moves nothing.
    assert!(lib.keep_only(others[0], &[keep], &trash).is_err());
    assert!(a.members[0].path.exists());

    // Restored from the trash (a move keeps its timestamp): the rescan brings it back as it was.
    let restored = &other_paths[0];
    std::fs::rename(trash.dir.join(restored.file_name().unwrap()), restored).unwrap();
    let summary = lib.rescan(&std::sync::atomic::AtomicBool::new(false), &mut |_| {}).unwrap();
    assert_eq!((summary.added, summary.updated, summary.failed), (0, 1, 1), "the restored file; the copy now garbage: {summary:?}");
    let back = lib.catalog().artwork(others[0]).unwrap().unwrap();
    assert_eq!((back.status, back.error), (Status::Ok, None));
    let hits = lib.search(&kept, &Weights::ALL, 3).unwrap().hits;
    assert!(hits.iter().any(|h| h.id == others[0]), "searchable again: {hits:?}");
}

/// Stop following a folder: it leaves the remembered roots, so a rescan no longer looks in it (a
/// file added there is not imported, a file deleted there is not marked missing); its artworks
/// stay searchable. A path that is not a root (inside one, or elsewhere) is refused, nothing changed.
#[test]
fn stop_following_a_folder_keeps_its_artworks_and_rescans_skip_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (art, other) = (tmp.path().join("art"), tmp.path().join("other"));
    copy_into(&sample_files()[..3], &art.join("sky"));
    let others = copy_into(&sample_files()[3..5], &other);
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    assert_eq!(import(&mut lib, &[art.clone(), other.clone()]).added, 5);
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap();
    assert_eq!(lib.roots().unwrap(), [canonical(&art), canonical(&other)]);

    let inside = lib.stop_following(&art.join("sky")).unwrap_err().to_string();
    assert!(inside.contains("inside") && inside.contains("nothing was changed"), "{inside}");
    let elsewhere = lib.stop_following(&tmp.path().join("nowhere")).unwrap_err().to_string();
    assert!(
        elsewhere.contains("is not a folder this library follows") && elsewhere.contains(&canonical(&art).display().to_string()),
        "{elsewhere}"
    );
    assert_eq!(lib.roots().unwrap().len(), 2, "a refusal changes nothing");

    let stopped = lib.stop_following(&other).unwrap();
    assert_eq!((stopped.root.clone(), stopped.artworks), (canonical(&other), 2));
    assert!(stopped.to_string().contains("Its 2 artworks stay in the library"), "{stopped}");
    assert_eq!(lib.roots().unwrap(), [canonical(&art)]);
    assert!(lib.stop_following(&other).is_err(), "no longer followed");

    copy_into(&sample_files()[5..6], &other);
    std::fs::remove_file(&others[0]).unwrap();
    let summary = lib.rescan(&std::sync::atomic::AtomicBool::new(false), &mut |_| {}).unwrap();
    assert_eq!((summary.added, summary.missing, summary.unchanged), (0, 0, 3), "the rescan skips it: {summary:?}");
    assert_eq!(lib.catalog().counts(lib.model()).unwrap().ok, 5, "its artworks stay");
    let hits = lib.search(&Query::File(sample_files()[4].clone()), &Weights::ALL, 1).unwrap().hits;
    assert_eq!(hits[0].path, canonical(&others[1]), "and stay searchable");
}

/// The saved map is for one catalog state: after a watched change (a new file, a deleted one) or
/// "keep only this one" it is stale, and the next map is laid out again with the change in it.
#[test]
fn the_map_is_laid_out_again_after_a_watched_change_and_keep_only() {
    let tmp = tempfile::tempdir().unwrap();
    let art = tmp.path().join("art");
    let files = copy_into(&sample_files()[..10], &art);
    let copy = art.join("copy-of-first.png");
    std::fs::copy(&files[0], &copy).unwrap();
    let mut lib = open(&tmp.path().join("lib"), LibraryOptions::default());
    assert_eq!(import(&mut lib, std::slice::from_ref(&art)).added, 11);
    let ids = |m: &kindred::map::CollectionMap| m.points.iter().map(|p| p.id).collect::<std::collections::BTreeSet<_>>();
    let first = lib.map(&Weights::ALL).unwrap();
    assert_eq!(lib.saved_map(&Weights::ALL).map(|m| ids(&m)), Some(ids(&first)), "saved for next time");
    let no = std::sync::atomic::AtomicBool::new(false);

    // A new file, as the watcher reports it.
    let new = copy_into(&sample_files()[10..11], &art).remove(0);
    assert_eq!(lib.import_changes(&[canonical(&new)], &no, &mut |_| {}).unwrap().added, 1);
    assert!(lib.saved_map(&Weights::ALL).is_none(), "the saved map is stale after a new file");
    let second = lib.map(&Weights::ALL).unwrap();
    assert_eq!(second.points.len(), 12);
    assert!(second.points.iter().any(|p| p.path == canonical(&new)), "the new file is on the map");

    // A deleted file.
    std::fs::remove_file(&files[9]).unwrap();
    assert_eq!(lib.import_changes(&[canonical_gone(&files[9], &art)], &no, &mut |_| {}).unwrap().missing, 1);
    assert!(lib.saved_map(&Weights::ALL).is_none(), "the saved map is stale after a deletion");
    let third = lib.map(&Weights::ALL).unwrap();
    assert_eq!(third.points.len(), 11);
    assert!(!third.points.iter().any(|p| p.path == canonical_gone(&files[9], &art)), "the deleted file left the map");

    // Keep only this one.
    let group =
        lib.duplicates(None).unwrap().into_iter().find(|g| g.members.iter().any(|m| m.path.ends_with("copy-of-first.png"))).unwrap();
    let trash = FolderTrash { dir: tmp.path().join("trash"), asked: Default::default() };
    std::fs::create_dir_all(&trash.dir).unwrap();
    let others: Vec<i64> = group.members[1..].iter().map(|m| m.id).collect();
    assert_eq!(lib.keep_only(group.members[0].id, &others, &trash).unwrap().trashed.len(), 1);
    assert!(lib.saved_map(&Weights::ALL).is_none(), "the saved map is stale after keep only this one");
    let fourth = lib.map(&Weights::ALL).unwrap();
    assert_eq!(fourth.points.len(), 10);
    assert!(others.iter().all(|id| !ids(&fourth).contains(id)), "the trashed copy left the map");
    assert_eq!(lib.saved_map(&Weights::ALL).map(|m| ids(&m)), Some(ids(&fourth)));
}

fn canonical(p: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap()
}

/// The canonical path a deleted file had in `dir`.
fn canonical_gone(file: &std::path::Path, dir: &std::path::Path) -> PathBuf {
    canonical(dir).join(file.file_name().unwrap())
}
