#!/usr/bin/env python3
"""End-to-end benchmark: generates a corpus with rodo-corpus, then measures side by side on
the same files the read and decompression floors, ripgrep with equivalent ASCII patterns,
and rodo scan (cold, incremental) and rodo erase. Prints a table and JSON (--json FILE).

Usage: bench/e2e.py [--size 1G] [--density sparse,dense] [--build build] [--work DIR]
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

# ASCII patterns ((?-u): no Unicode classes) of the same shapes rodo finds; rg validates nothing.
RG_PATTERNS = [
    r"(?-u)\b[0-9]{11}\b",                                              # PESEL shape
    r"(?-u)[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",             # e-mail shape
    r"(?-u)\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b",  # IBAN shape
    r"(?-u)\b[0-9]{26}\b",                                              # NRB shape
]


def run(cmd, shell=False, env=None):
    """Runs cmd, returns (seconds, peak RSS MiB of the process tree's largest child, stdout)."""
    t = ["/usr/bin/time", "-f", "%e %M"]
    full = t + (["bash", "-c", cmd] if shell else cmd)
    t0 = time.monotonic()
    p = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.monotonic() - t0
    last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "0 0"
    try:
        _, rss = last.split()
        rss_mib = int(rss) / 1024
    except ValueError:
        rss_mib = 0
    if p.returncode not in (0, 1):
        print(f"  ! {' '.join(cmd) if not shell else cmd}: exit {p.returncode}\n{p.stderr[-500:]}", file=sys.stderr)
    return wall, rss_mib, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1G")
    ap.add_argument("--density", default="sparse,dense")
    ap.add_argument("--build", default="build")
    ap.add_argument("--work", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--formats", default="tar,tar.gz,tar.zst,zip")
    ap.add_argument("--reuse", action="store_true", help="keep a corpus already generated in --work")
    args = ap.parse_args()
    rodo = os.path.abspath(os.path.join(args.build, "rodo"))
    gen = os.path.abspath(os.path.join(args.build, "rodo-corpus"))
    work = args.work or tempfile.mkdtemp(prefix="rodo-bench-")
    results = []

    for density in args.density.split(","):
        out = os.path.join(work, density)
        if not (args.reuse and os.path.exists(os.path.join(out, "subjects.json"))):
            shutil.rmtree(out, ignore_errors=True)
            print(f"== generating {args.size} ({density}) in {out}", file=sys.stderr)
            cmd = [gen, "--seed", "7", "--size", args.size, "--subjects", "200", "--formats", args.formats,
                   "--out", out]
            if density == "dense":
                cmd.append("--dense")
            subprocess.run(cmd, check=True)
        snaps = os.path.join(out, "snapshots")
        subj = json.load(open(os.path.join(out, "subjects.json")))[0]
        tar = os.path.join(snaps, "snap-000.tar")
        decoded = None
        rows = []

        def add(fmt, tool, secs, rss, floor=None):
            rows.append({"density": density, "format": fmt, "tool": tool, "seconds": round(secs, 3),
                         "mb_s": round(decoded / secs / 1e6, 1) if secs > 0 else None, "rss_mib": round(rss, 1)})

        # Decoded bytes: what rodo reports scanning the tar.
        for fmt in args.formats.split(","):
            path = os.path.join(snaps, "snap-000." + fmt)
            if not os.path.exists(path):
                continue
            # Floors.
            subprocess.run(["cat", path], stdout=subprocess.DEVNULL)  # warm the page cache
            s, m, _ = run(f"cat '{path}' > /dev/null", shell=True)
            if decoded is None:
                w, _, o = run([rodo, "scan", "--json", "--index", os.path.join(work, "probe.db"), tar])
                decoded = json.loads(o.splitlines()[0])["bytes"]
                for f in ("probe.db", "probe.db-wal", "probe.db-shm", "probe.db.key"):
                    if os.path.exists(os.path.join(work, f)):
                        os.remove(os.path.join(work, f))
            add(fmt, "cat", s, m)
            s, m, _ = run(f"bsdtar -xOf '{path}' > /dev/null", shell=True)
            add(fmt, "bsdtar -xOf", s, m)
            if fmt == "tar.zst":
                s, m, _ = run(f"zstd -dc '{path}' > /dev/null", shell=True)
                add(fmt, "zstd -dc", s, m)
                s, m, _ = run(f"zstd -dc '{path}' | zstd -3 -q > /dev/null", shell=True)
                add(fmt, "zstd -dc | zstd -3", s, m)
            if fmt == "tar.gz":
                s, m, _ = run(f"gzip -dc '{path}' > /dev/null", shell=True)
                add(fmt, "gzip -dc", s, m)
                s, m, _ = run(f"gzip -dc '{path}' | gzip -6 > /dev/null", shell=True)
                add(fmt, "gzip -dc | gzip", s, m)
            if fmt == "tar":
                pats = sum([["-e", p] for p in RG_PATTERNS], [])
                s, m, _ = run(["rg", "-j1", "-a", "-c"] + pats + [path])
                add(fmt, "rg -j1", s, m)
                s, m, _ = run(["rg", "-a", "-c"] + pats + [path])
                add(fmt, "rg", s, m)
            db = os.path.join(work, f"{density}-{fmt}.db")
            for f in (db, db + "-wal", db + "-shm", db + ".key"):
                if os.path.exists(f):
                    os.remove(f)
            s, m, _ = run([rodo, "scan", "--jobs", "1", "--index", db, path])
            add(fmt, "rodo scan --jobs 1", s, m)
            for f in (db, db + "-wal", db + "-shm"):
                if os.path.exists(f):
                    os.remove(f)
            s, m, _ = run([rodo, "scan", "--index", db, path])
            add(fmt, "rodo scan", s, m)
            s, m, _ = run([rodo, "scan", "--index", db, path])
            add(fmt, "rodo scan (unchanged)", s, m)
            copy = path + ".erase-copy"
            shutil.copyfile(path, copy)
            for f in (db + "e", db + "e-wal", db + "e-shm", db + "e.key"):
                if os.path.exists(f):
                    os.remove(f)
            s, m, _ = run([rodo, "scan", "--index", db + "e", copy])
            s, m, _ = run([rodo, "erase", "--index", db + "e", "--request", "B-" + fmt, "--pesel", subj["pesel"],
                           "--email", subj["email"], "--iban", subj["iban"]])
            add(fmt, "rodo erase (1 subject)", s, m)
            os.remove(copy)
            for f in (db, db + "-wal", db + "-shm", db + "e", db + "e-wal", db + "e-shm"):
                if os.path.exists(f):
                    os.remove(f)
        results += rows

    # Table with ratios against the floors and rg.
    print(f"\n{'density':8} {'format':8} {'tool':24} {'seconds':>8} {'MB/s':>8} {'RSS MiB':>8}  ratio")
    by = {(r["density"], r["format"], r["tool"]): r for r in results}
    for r in results:
        ratio = ""
        d, f, t = r["density"], r["format"], r["tool"]
        if t.startswith("rodo scan") and "unchanged" not in t:
            floor = {"tar": "cat", "tar.gz": "gzip -dc", "tar.zst": "zstd -dc", "zip": "bsdtar -xOf"}.get(f)
            if floor and (d, f, floor) in by:
                ratio = f"{r['seconds'] / by[(d, f, floor)]['seconds']:.2f}x {floor}"
            if f == "tar" and (d, f, "rg -j1") in by:
                ratio += f", {by[(d, f, 'rg -j1')]['seconds'] / r['seconds']:.2f}x faster than rg -j1"
        if t.startswith("rodo erase"):
            base = {"tar.zst": "zstd -dc | zstd -3", "tar.gz": "gzip -dc | gzip"}.get(f)
            if base and (d, f, base) in by:
                ratio = f"{r['seconds'] / by[(d, f, base)]['seconds']:.2f}x {base}"
        mbs = "" if r["mb_s"] is None else f"{r['mb_s']:.1f}"
        print(f"{d:8} {f:8} {t:24} {r['seconds']:8.3f} {mbs:>8} {r['rss_mib']:8.1f}  {ratio}")
    if args.json:
        json.dump(results, open(args.json, "w"), indent=1)
    print(f"\n(work folder: {work}; MB/s are decoded bytes per second)")


if __name__ == "__main__":
    main()
