#!/usr/bin/env python3
"""Copies of photographs and wallpapers Kindred was never tuned on, under harsher edits than the
retrieval corpus (issue "Kindred on real art": 75 % centre crop, 35 % resize saved at JPEG q30,
mirror, brightness/contrast). Copy R@10 per edit and per mode, with clip art as distractors.

    photo_edits.py --bin KINDRED --out DIR [--distractors N]

Sources: every picture of Debian `ukui-wallpapers` and `plasma-workspace-wallpapers` (the largest
file of each wallpaper folder), and the `mate-backgrounds`/`gnome-backgrounds` files that the
retrieval corpus does NOT use (make_corpus.PHOTO_FILES/GNOME_FILES are its sources: left out here so
nothing is reported on what was tuned). Each is downscaled to 640 px (as make_corpus does) and
edited with ImageMagick; N openclipart distractors (default 400) join the library. Relevant for a
copy: its original and the source's other copies (evaluate.py's copy task).
"""
import argparse, csv, json, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate as ev  # noqa: E402
import make_corpus as mc  # noqa: E402

EDITS = {
    "crop75": (["-gravity", "center", "-crop", "75%x75%+0+0", "+repage"], "png"),
    "small35-jpeg30": (["-resize", "35%", "-quality", "30"], "jpg"),
    "mirror": (["-flop"], "png"),
    "bright-contrast": (["-brightness-contrast", "15x25"], "png"),
}
PACKAGES = ["ukui-wallpapers", "plasma-workspace-wallpapers", "mate-backgrounds", "gnome-backgrounds", "openclipart-png"]


def sources():
    used = {mc.PHOTO_DIR / f for f in mc.PHOTO_FILES} | {mc.GNOME_DIR / f for f in mc.GNOME_FILES}
    out = sorted(p for p in Path("/usr/share/ukui-wallpapers").rglob("*") if p.suffix.lower() in (".jpg", ".png"))
    for d in sorted(Path("/usr/share/wallpapers").iterdir()):
        imgs = [p for p in (d / "contents/images").glob("*") if p.suffix.lower() in (".jpg", ".png")]
        if imgs:
            out.append(max(imgs, key=lambda p: (p.stat().st_size, p.name)))
    for base in (mc.PHOTO_DIR, mc.GNOME_DIR):
        for p in sorted(base.rglob("*")):
            if p.suffix.lower() in (".jpg", ".png", ".webp") and p not in used and not p.is_symlink():
                # gnome's -d files are dark twins of -l ones: one of each pair
                if p.stem.endswith("-d") and p.with_name(p.stem[:-2] + "-l" + p.suffix).exists():
                    continue
                out.append(p)
    return out


def build(out, n_distractors):
    missing = [p for p in PACKAGES if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
    if missing:
        raise SystemExit(f"photo_edits: missing Debian packages {missing} (scripts/apt-install.sh {' '.join(missing)})")
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    os.environ["MAGICK_THREAD_LIMIT"] = "1"
    rows, work, srcs = [], [], sources()
    originals = []
    for i, p in enumerate(srcs):
        d = out / "images" / f"p{i:03d}"; d.mkdir(); originals.append((p, d / "original.png"))
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(lambda a: mc.make_original(*a), originals))
    kept = []
    for p, o in originals:
        if mc.near_blank(o):
            shutil.rmtree(o.parent); continue
        sid = o.parent.name; kept.append((sid, str(p)))
        rows.append((f"images/{sid}/original.png", sid, "original", "original"))
        for name, (ops, ext) in EDITS.items():
            dst = o.parent / f"copy-{name}.{ext}"
            rows.append((dst.relative_to(out).as_posix(), sid, "copy", name))
            work.append([str(o), *ops, "-strip", str(dst) if ext == "jpg" else f"PNG24:{dst}"])
    pool = [ps[0] for _, ps in sorted(mc.clipart_pool().items())]
    step = max(1, len(pool) // n_distractors)
    dis = [p for p in pool[::step] if 8_000 <= p.stat().st_size <= 3_000_000][:n_distractors]
    for j, p in enumerate(dis):
        d = out / "images" / f"d{j:03d}"; d.mkdir(); dst = d / "original.png"
        rows.append((dst.relative_to(out).as_posix(), f"d{j:03d}", "original", "original"))
        work.append([f"{p}[0]", "-background", "white", "-alpha", "remove", "-alpha", "off", "-resize", "640x640>", "-strip", f"PNG24:{dst}"])
    with ThreadPoolExecutor(2) as ex:
        list(ex.map(mc.run_im, work))
    with open(out / "manifest.csv", "w", newline="") as fh:
        w = csv.writer(fh); w.writerow(["file", "source", "kind", "variant"]); w.writerows(rows)
    with open(out / "sources.csv", "w", newline="") as fh:
        w = csv.writer(fh); w.writerow(["source", "path"]); w.writerows(kept)
    return len(kept), len(dis), len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True); ap.add_argument("--out", required=True)
    ap.add_argument("--distractors", type=int, default=400)
    a = ap.parse_args(); out = Path(a.out); t0 = time.time()
    n_src, n_dis, n_img = build(out / "corpus", a.distractors)
    print(f"photo_edits: {n_src} held-out sources x {len(EDITS)} edits + {n_dis} distractors = {n_img} images", flush=True)
    rank = out / "rankings"
    subprocess.run([sys.executable, str(Path(__file__).parent / "kindred_rank.py"), "--corpus", str(out / "corpus"),
                    "--out", str(rank), "--bin", a.bin, "-k", "60"], check=True)
    man = ev.load_manifest(str(out / "corpus"))
    print("| mode | " + " | ".join(EDITS) + " | all edits |\n| --- |" + " ---: |" * (len(EDITS) + 1))
    for mode in ("all", "colour", "texture", "shape"):
        r = json.loads((rank / f"kindred-{mode}.json").read_text())
        d = ev.evaluate_detailed(man, r, tasks=["copy"])["copy"]
        print(f"| {mode} | " + " | ".join(f"{d['by_variant'][e]:.3f}" for e in EDITS) + f" | {d['score']:.3f} |")
    print(f"photo_edits: {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
