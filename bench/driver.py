#!/usr/bin/env python3
"""Runs every wstls benchmark side by side and writes bench/results/latest.{json,md}.

Started by bench/run.sh (which builds everything first). Each measurement runs `reps` times,
the implementations interleaved within a repetition, and the median is reported; ratios are
taken between medians of the same run (this machine is shared: absolute numbers move, ratios
hold). Benchmarks are not tests: a missed target is reported, never an exit status.

Environment: BENCH_QUICK=1 (small sizes), BENCH_REPS=N, BENCH_ONLY=bulk,hs,... (sections).
"""
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(HERE, "build")
CERTS = os.path.join(BUILD, "certs")
RESULTS = os.path.join(HERE, "results")
BIN = {
    "wstls": os.path.join(BUILD, "bench_wstls"),
    "openssl": os.path.join(BUILD, "bench_openssl"),
    "tcp": os.path.join(BUILD, "bench_tcp"),
    "rustls": os.path.join(ROOT, "target", "release", "rustls-direct"),
    "sspi": os.path.join(BUILD, "bench_sspi"),
    "openssl_bio": os.path.join(BUILD, "bio_openssl"),
    "handles": os.path.join(ROOT, "target", "release", "examples", "handle_table"),
}
SUITES = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]
SUITE_SHORT = {
    "TLS_AES_128_GCM_SHA256": "AES-128-GCM",
    "TLS_AES_256_GCM_SHA384": "AES-256-GCM",
    "TLS_CHACHA20_POLY1305_SHA256": "ChaCha20-Poly1305",
}

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
REPS = int(os.environ.get("BENCH_REPS", "1" if QUICK else "3"))
ONLY = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
P = {
    "bulk_bytes": (64 if QUICK else 1024) << 20,
    "buf": int(os.environ.get("BENCH_BUF", "16384")),
    "hs_count": 300 if QUICK else 2000,
    "lat_count": 20000 if QUICK else 100000,
    "mem_counts": [1000] if QUICK else [1000, 10000],
    "scale_sockets": [10, 100, 1000] if QUICK else [10, 100, 1000, 10000, 100000],
    "scale_calls": 50000 if QUICK else 200000,
    "thread_counts": [1, 2, 4],
    "thread_bytes": (32 if QUICK else 256) << 20,
    "cg_count": 200,
}
TIMEOUT = 600

runs = []  # every raw result


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def certargs(kind="ecdsa"):
    return ["--cert", os.path.join(CERTS, kind + ".pem"), "--key", os.path.join(CERTS, kind + ".key"),
            "--ca", os.path.join(CERTS, "ca.pem"), "--host", "localhost"]


def run(impl, args, env=None, prefix=None):
    """Runs one benchmark program; returns its JSON results (list), [] on failure."""
    cmd = (prefix or []) + [BIN[impl]] + args
    e = dict(os.environ)
    e.update(env or {})
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=e)
    except subprocess.TimeoutExpired:
        log(f"  TIMEOUT: {' '.join(cmd)}")
        return []
    out = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    if p.returncode != 0 or not out:
        log(f"  FAILED ({p.returncode}): {' '.join(cmd)}\n    " + p.stderr.strip().replace("\n", "\n    ")[-2000:])
    runs.extend(out)
    return out


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    return a / b if a and b else None


# ------------------------------------------------------------------------------------------

BULK_REPS = max(REPS, 5) if not QUICK and "BENCH_REPS" not in os.environ else REPS


def bench_bulk():
    res = {}
    for suite in SUITES:
        samples = {k: [] for k in ("wstls", "openssl", "rustls", "tcp")}
        cpu = {k: [] for k in samples}
        for rep in range(BULK_REPS):
            for impl in samples:
                if impl == "tcp" and suite != SUITES[0]:
                    continue  # no cipher: measured once per repetition
                args = ["bulk"] + certargs() + ["--bytes", str(P["bulk_bytes"]), "--buf", str(P["buf"])]
                if impl != "tcp":
                    args += ["--cipher", suite]
                for r in run(impl, args):
                    if impl != "tcp" and r.get("suite") != suite:
                        log(f"  {impl} negotiated {r.get('suite')} instead of {suite}")
                        continue
                    samples[impl].append(r["mib_s"])
                    if r.get("cpu_s"):
                        cpu[impl].append(r["cpu_s"] / (r["bytes"] / (1 << 30)))
            log(f"  bulk {suite} rep {rep + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in samples.items() if v))
        res[suite] = {k: median(v) for k, v in samples.items()}
        res[suite]["cpu_s_per_gib"] = {k: median(v) for k, v in cpu.items()}
    tcp = median([r["mib_s"] for r in runs if r["bench"] == "bulk" and r["impl"] == "tcp" and r.get("threads") == 1])
    tcp_cpu = median([r["cpu_s"] / (r["bytes"] / (1 << 30)) for r in runs
                      if r["bench"] == "bulk" and r["impl"] == "tcp" and r.get("threads") == 1 and r.get("cpu_s")])
    for suite in SUITES:
        res[suite]["tcp"] = tcp
        res[suite]["cpu_s_per_gib"]["tcp"] = tcp_cpu
    return res


HS_VARIANTS = {
    # name: (program, extra args). OpenSSL 3.0 has no ML-KEM: it uses X25519, so the target is
    # checked against wstls on the same key exchange; wstls's default (X25519MLKEM768 first) is
    # reported next to it.
    "wstls": ("wstls", ["--groups", "X25519"]),
    "openssl": ("openssl", ["--groups", "X25519"]),
    "wstls_default": ("wstls", []),
}


def bench_hs():
    res = {}
    for cert in ("ecdsa", "rsa"):
        for resume in (0, 1):
            samples = {k: [] for k in HS_VARIANTS}
            resumed = {k: [] for k in HS_VARIANTS}
            cpu = {k: [] for k in HS_VARIANTS}
            for rep in range(REPS):
                for name, (impl, extra) in HS_VARIANTS.items():
                    args = ["hs"] + certargs(cert) + ["--count", str(P["hs_count"]), "--resume", str(resume)] + extra
                    for r in run(impl, args):
                        samples[name].append(r["per_s"])
                        resumed[name].append(r["resumed"] / r["count"])
                        cpu[name].append(r.get("cpu_us_per_hs"))
            key = f"{cert}/{'resumed' if resume else 'full'}"
            res[key] = {k: median(v) for k, v in samples.items()}
            res[key]["resumed_fraction"] = {k: median(v) for k, v in resumed.items()}
            res[key]["cpu_us_per_hs"] = {k: median(v) for k, v in cpu.items()}
            log(f"  hs {key}: " + ", ".join(f"{k} {v:.0f}/s" for k, v in res[key].items() if isinstance(v, float)))
    return res


def bench_lat():
    res = {}
    samples = {k: {"p50": [], "p99": []} for k in ("wstls", "openssl", "rustls", "tcp")}
    for rep in range(REPS):
        for impl in samples:
            args = ["lat"] + certargs() + ["--count", str(P["lat_count"]), "--size", "64"]
            for r in run(impl, args):
                samples[impl]["p50"].append(r["p50_us"])
                samples[impl]["p99"].append(r["p99_us"])
    for impl, s in samples.items():
        res[impl] = {"p50_us": median(s["p50"]), "p99_us": median(s["p99"])}
    log("  lat: " + ", ".join(f"{k} p50 {v['p50_us']}" for k, v in res.items()))
    return res


def bench_mem():
    res = {}
    for n in P["mem_counts"]:
        res[str(n)] = {}
        for impl in ("wstls", "openssl"):
            out = run(impl, ["mem"] + certargs() + ["--count", str(n), "--resume", "0"])
            if out:
                res[str(n)][impl] = {k: out[0][k] for k in ("server_kib", "client_kib", "total_kib")}
        log(f"  mem {n}: {res[str(n)]}")
    return res


def bench_scale():
    res = {}
    socks = ",".join(str(s) for s in P["scale_sockets"])
    for impl in ("wstls", "tcp"):
        per = {}
        for rep in range(REPS):
            for r in run(impl, ["scale", "--sockets", socks, "--calls", str(P["scale_calls"])]):
                d = per.setdefault(str(r["sockets"]), {"getsockopt_ns": [], "send_recv_ns": [], "random_getsockopt_ns": []})
                for k in d:
                    d[k].append(r[k])
        res[impl] = {n: {k: median(v) for k, v in d.items()} for n, d in per.items()}
        res[impl + "_nofile_limited"] = any(r.get("nofile_limited") for r in runs
                                            if r["bench"] == "scale" and r["impl"] == impl)
    # The table alone, to 100,000 entries whatever the open-file limit.
    sizes = ",".join(str(s) for s in [10, 100, 1000, 10000, 100000])
    per = {}
    for rep in range(REPS):
        for r in run("handles", [sizes]):
            d = per.setdefault(str(r["entries"]), {"lookup_ns": [], "random_lookup_ns": [], "insert_remove_ns": [],
                                                   "two_thread_lookup_ns": []})
            for k in d:
                d[k].append(r[k])
    res["table"] = {n: {k: median(v) for k, v in d.items()} for n, d in per.items()}
    # The library's own per-call cost (no system call) with 1, 2, 4 threads on their own sockets.
    calls = {}
    for t in P["thread_counts"]:
        per = {"wstls": [], "tcp": []}
        for rep in range(REPS):
            for impl in per:
                n = P["scale_calls"] * (10 if impl == "wstls" else 2)
                for r in run(impl, ["calls", "--threads", str(t), "--calls", str(n)]):
                    per[impl].append(r["ns_per_call"])
        calls[str(t)] = {k: median(v) for k, v in per.items()}
    res["calls"] = calls
    log(f"  scale: {json.dumps(res)}")
    return res


def bench_threads():
    res = {}
    for t in P["thread_counts"]:
        samples = {"wstls": [], "openssl": [], "tcp": []}
        for rep in range(REPS):
            for impl in samples:
                args = ["bulk"] + certargs() + ["--bytes", str(P["thread_bytes"]), "--buf", str(P["buf"]),
                                                "--threads", str(t)]
                if impl != "tcp":
                    args += ["--cipher", SUITES[0]]
                for r in run(impl, args):
                    samples[impl].append(r["mib_s"])
        res[str(t)] = {k: median(v) for k, v in samples.items()}
        log(f"  threads {t}: {res[str(t)]}")
    return res


# glibc's allocator entry points. What malloc/free execute depends on the heap layout the
# process reached before the measured calls, and the handshake before them runs in two threads
# whose interleaving (and the number of EAGAIN/poll rounds each end goes through) depends on
# timing: the same binary gave 5563, 5604 or 5629 instructions per 1 KiB send. Outside the
# allocator the counts are the same in every run, so that is what the check compares. (An
# extra copy is still counted: memcpy is not the allocator. Callgrind's call counts cannot
# count the allocations: with --toggle-collect they include the calls made outside the
# measured region.)
CG_ALLOC_FUNCS = {"malloc", "free", "realloc", "calloc", "posix_memalign", "aligned_alloc", "memalign"}


def callgrind_profile(impl, func, size):
    """Per call of `func` (callgrind --toggle-collect): {"ir": all instructions executed,
    "ir_no_alloc": the same without those inside malloc/free/realloc/...}; None if the program
    failed."""
    vg = shutil.which("valgrind")
    if not vg:
        return None
    outf = os.path.join(BUILD, f"callgrind.{impl}.{func}.{size}.out")
    if os.path.exists(outf):
        os.remove(outf)  # never read a previous run's counts
    prefix = [vg, "--tool=callgrind", f"--toggle-collect={func}", "--collect-atstart=no",
              f"--callgrind-out-file={outf}"]
    # RSA, not ECDSA: an ECDSA signature's DER length varies with its random nonce (70-72
    # bytes), which changed the handshake's buffer sizes and with them the path rustls's
    # buffers take in the measured 16 KiB recv (+-32 instructions from run to run even outside
    # the allocator). RSA-PSS signatures have one length.
    args = ["cg"] + certargs("rsa") + ["--count", str(P["cg_count"]), "--size", str(size),
                                       "--cipher", SUITES[0]]
    if not run(impl, args, prefix=prefix):
        return None
    # Callgrind's format: "fn=(id) name" starts a function's records ("(id)" alone once the name
    # was given), "cfn=" names a callee, "calls=N ..." is followed by the line with the
    # inclusive cost of those calls. Only the measured region is collected.
    names, cur, cfn, pending = {}, None, None, False
    total, alloc_ir = None, 0

    def fname(spec):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", spec.strip())
        if not m:
            return spec.strip()
        if m.group(2):
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), "?")

    with open(outf) as fp:
        for line in fp:
            if pending:
                pending = False
                if cfn in CG_ALLOC_FUNCS and cur not in CG_ALLOC_FUNCS:
                    alloc_ir += int(line.split()[1])
            elif line.startswith("fn="):
                cur = fname(line[3:])
            elif line.startswith("cfn="):
                cfn = fname(line[4:])
            elif line.startswith("calls="):
                pending = True
            else:
                m = re.match(r"^(totals|summary):\s*(\d+)", line)
                if m:
                    total = int(m.group(2))
    if total is None:
        return None
    n = P["cg_count"]
    return {"ir": total / n, "ir_no_alloc": (total - alloc_ir) / n}


def callgrind_ir(impl, func, size):
    """All instructions executed inside `func` per call (the benchmark tables)."""
    prof = callgrind_profile(impl, func, size)
    return prof["ir"] if prof else None


CG_EXPECTED = os.path.join(HERE, "callgrind-expected.json")
CG_TOLERANCE = 0.03      # of the instructions outside the allocator; see docs/performance.md
CG_PATHS = {"send": ("wstls", "cg_send_one"), "recv": ("wstls", "cg_recv_one"),
            "EncryptMessage": ("sspi", "cg_encrypt_one"), "DecryptMessage": ("sspi", "cg_decrypt_one")}


def bench_callgrind():
    expected = json.load(open(CG_EXPECTED)) if os.path.exists(CG_EXPECTED) else {}
    res = {}
    for size in (64, 1024, 16384):
        for name, (prog, func) in CG_PATHS.items():
            key = f"{name}/{size}"
            other = "openssl" if prog == "wstls" else "openssl_bio"
            prof = callgrind_profile(prog, func, size) if os.path.exists(BIN[prog]) else None
            res[key] = {
                "wstls": prof["ir"] if prof else None,
                "wstls_no_alloc": prof["ir_no_alloc"] if prof else None,
                "openssl": callgrind_ir(other, func, size) if os.path.exists(BIN[other]) else None,
                "expected": expected.get("instructions_outside_allocator", {}).get(key),
            }
            log(f"  callgrind {key}: {res[key]}")
    return res


def callgrind_check():
    """`driver.py --callgrind-check [--update]` (bench/callgrind.sh): per call of the wstls
    send/recv and EncryptMessage/DecryptMessage paths, the instructions executed outside the
    allocator, against bench/callgrind-expected.json (no wall clock involved, so CI can run
    it). Exit status 1 when one is more than CG_TOLERANCE away from what is written down.
    --update writes the measured numbers instead."""
    doc = json.load(open(CG_EXPECTED))
    want_ir = doc.get("instructions_outside_allocator", {})
    keys = list(want_ir)
    bad = 0
    measured_ir = {}
    sspi_keys = [k for k in keys if k.startswith(("EncryptMessage", "DecryptMessage"))]
    if sspi_keys and not os.path.exists(BIN["sspi"]):
        if os.path.exists(os.path.join(ROOT, "include", "compat", "sspi.h")):
            # The SSPI face is in the tree: a missing program is a build problem, not a skip.
            print(f"{BIN['sspi']} is missing: build it (bench/callgrind.sh does)")
            return 1
        print("SSPI benchmark not built (no include/compat/sspi.h): skipping " + ", ".join(sspi_keys))
        keys = [k for k in keys if k not in sspi_keys]
    print(f"{'path':<22} {'measured':>10} {'expected':>10} {'change':>8}   "
          "(instructions per call outside malloc/free/realloc)")
    for key in keys:
        name, size = key.split("/")
        prog, func = CG_PATHS[name]
        prof = callgrind_profile(prog, func, int(size))
        want = want_ir[key]
        if prof is None:
            print(f"{key:<22} {'n/a':>10} {want:>10.0f}")
            bad += 1
            continue
        got = prof["ir_no_alloc"]
        measured_ir[key] = round(got)
        change = got / want - 1
        off = abs(change) > CG_TOLERANCE
        bad += off
        print(f"{key:<22} {got:>10.0f} {want:>10.0f} {change:>+7.1%}"
              + (f"  <-- outside +-{CG_TOLERANCE:.0%}" if off else ""))
    if "--update" in sys.argv:
        if len(measured_ir) != len(keys):
            print("not updated: some paths could not be measured")
            return 1
        # After an intended change (say why in the commit).
        doc.setdefault("instructions_outside_allocator", {}).update(measured_ir)
        with open(CG_EXPECTED, "w") as fp:
            json.dump(doc, fp, indent=2)
            fp.write("\n")
        print(f"wrote the measured numbers to {CG_EXPECTED}")
        return 0
    if bad:
        print(f"{bad} of {len(keys)} paths off: if the change is intended, run bench/callgrind.sh "
              "--update and say why in the commit (docs/performance.md); the callgrind files are "
              f"{BUILD}/callgrind.*.out (callgrind_annotate)")
    else:
        print(f"all {len(keys)} paths within +-{CG_TOLERANCE:.0%} of {CG_EXPECTED}")
    return 1 if bad else 0


def bench_sspi():
    """EncryptMessage/DecryptMessage in memory against rustls in memory and OpenSSL over a BIO
    pair (single thread, 16 KiB records, AES-128-GCM)."""
    have_sspi = os.path.exists(BIN["sspi"])
    res = {}
    for suite in SUITES:
        samples = {k: {"encrypt": [], "decrypt": [], "both": []} for k in ("sspi", "rustls", "openssl_bio")}
        for rep in range(REPS):
            for impl in samples:
                if impl == "sspi" and not have_sspi:
                    continue
                args = ["mem"] + certargs() + ["--bytes", str(P["bulk_bytes"] // 4), "--size", "16384",
                                               "--cipher", suite]
                for r in run(impl, args):
                    samples[impl]["encrypt"].append(r["encrypt_mib_s"])
                    samples[impl]["decrypt"].append(r["decrypt_mib_s"])
                    samples[impl]["both"].append(r["mib_s"])
        res[suite] = {k: {q: median(v) for q, v in d.items()} for k, d in samples.items()}
        log(f"  sspi {suite}: {json.dumps(res[suite])}")
    res["sspi_available"] = have_sspi
    return res


SECTIONS = [("bulk", bench_bulk), ("hs", bench_hs), ("lat", bench_lat), ("scale", bench_scale),
            ("mem", bench_mem), ("threads", bench_threads), ("callgrind", bench_callgrind),
            ("sspi", bench_sspi)]

# ------------------------------------------------------------------------------------------


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) // (1 << 20)} GiB"
    except OSError:
        pass

    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except Exception:
            return ""
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory": mem, "kernel": platform.release(),
        "load_avg_at_start": os.getloadavg()[0],
        "openssl": out(["openssl", "version"]),
        "rustc": out(["rustc", "--version"]),
        "wstls_commit": out(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
        "wstls_dirty": bool(out(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"])),
    }


def f(x, fmt="{:.0f}"):
    return "n/a" if x is None else fmt.format(x)


def verdict(r, target, higher_better=True):
    if r is None:
        return "n/a"
    ok = r >= target if higher_better else r <= target
    return f"{r:.2f}x {'✓' if ok else '✗'}"


def summary(doc):
    """The issue's targets, one row each, from this run."""
    s = doc["sections"]
    rows = []

    def row(what, w, o, tgt, higher=True, unit="", fmt="{:.0f}"):
        r = ratio(w, o)
        rows.append(f"| {what} | {f(w, fmt)}{unit} | {f(o, fmt)}{unit} | {verdict(r, tgt, higher)} | "
                    f"{'≥' if higher else '≤'} {tgt} |")
    for suite, v in (s.get("bulk") or {}).items():
        row(f"Bulk throughput, {SUITE_SHORT[suite]} (MiB/s)", v["wstls"], v["openssl"], 1.0)
    for suite, v in (s.get("bulk") or {}).items():
        rows.append(f"| Bulk throughput, {SUITE_SHORT[suite]}: wstls vs rustls used directly | {f(v['wstls'])} | "
                    f"{f(v['rustls'])} (rustls) | {verdict(ratio(v['wstls'], v['rustls']), 0.95)} | ≥ 0.95 |")
    for key, v in (s.get("hs") or {}).items():
        cert, kind = key.split("/")
        row(f"Handshakes/s, {kind}, {'ECDSA P-256' if cert == 'ecdsa' else 'RSA-2048'} (X25519)",
            v["wstls"], v["openssl"], 2.0 if kind == "resumed" else 1.3)
    if s.get("mem"):
        for n, v in s["mem"].items():
            row(f"Memory per idle connection, both ends, {int(n):,} connections (KiB)",
                v.get("wstls", {}).get("total_kib"), v.get("openssl", {}).get("total_kib"), 0.5, False, "", "{:.1f}")
    if s.get("lat"):
        row("Latency p50, 64-byte round trip (µs)", s["lat"]["wstls"]["p50_us"], s["lat"]["openssl"]["p50_us"],
            1.1, False, "", "{:.1f}")
    if s.get("scale"):
        w = s["scale"].get("wstls", {})
        if w:
            first, last = w[min(w, key=int)], w[max(w, key=int)]
            rows.append(f"| Cost of send+recv with {int(max(w, key=int)):,} open sockets vs 10 (ns) | "
                        f"{f(last['send_recv_ns'])} | {f(first['send_recv_ns'])} (10 sockets) | "
                        f"{verdict(ratio(last['send_recv_ns'], first['send_recv_ns']), 1.2, False)} | ≤ 1.2 |")
        tb = s["scale"].get("table", {})
        if tb.get("100000") and tb.get("10"):
            rows.append(f"| Handle lookup with 100,000 entries vs 10 (ns) | {f(tb['100000']['lookup_ns'], '{:.1f}')} | "
                        f"{f(tb['10']['lookup_ns'], '{:.1f}')} (10 entries) | "
                        f"{verdict(ratio(tb['100000']['lookup_ns'], tb['10']['lookup_ns']), 1.2, False)} | ≤ 1.2 |")
    if not rows:
        return []
    return ["### Targets", "", "| Measure | wstls | OpenSSL (or baseline) | ratio | target |",
            "|---|---:|---:|---:|---|"] + rows + [""]


def markdown(doc):
    s = doc["sections"]
    m = doc["machine"]
    L = [f"# wstls benchmarks — {doc['date']}", "",
         f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']} "
         f"(load average {m['load_avg_at_start']:.2f} at start); {m['openssl']}; {m['rustc']}; "
         f"wstls {m['wstls_commit']}{' (modified)' if m['wstls_dirty'] else ''}.",
         f"Command: `{doc['command']}`{' (quick mode)' if doc['quick'] else ''}; "
         f"median of {doc['reps']} run(s) ({doc.get('bulk_reps', doc['reps'])} for bulk throughput), "
         "implementations interleaved; ratios are between medians of this run. "
         "✓/✗: the issue's target met or missed.", ""]
    L += summary(doc)
    if s.get("bulk"):
        L += [f"### Bulk throughput (MiB/s, {doc['params']['bulk_bytes'] >> 20} MiB per run, "
              f"{doc['params']['buf'] // 1024} KiB send/recv, TLS 1.3, loopback)", "",
              "| Suite | wstls | OpenSSL | rustls | plain TCP | wstls / OpenSSL (≥ 1.0) | wstls / rustls (≥ 0.95) |",
              "|---|---:|---:|---:|---:|---:|---:|"]
        for suite, v in s["bulk"].items():
            L.append(f"| {SUITE_SHORT[suite]} | {f(v['wstls'])} | {f(v['openssl'])} | {f(v['rustls'])} | "
                     f"{f(v['tcp'])} | {verdict(ratio(v['wstls'], v['openssl']), 1.0)} | "
                     f"{verdict(ratio(v['wstls'], v['rustls']), 0.95)} |")
        if any(v.get("cpu_s_per_gib") for v in s["bulk"].values()):
            L += ["", "CPU seconds per GiB moved (both ends, the whole process; lower is better):", "",
                  "| Suite | wstls | OpenSSL | rustls | plain TCP |", "|---|---:|---:|---:|---:|"]
            for suite, v in s["bulk"].items():
                c = v.get("cpu_s_per_gib", {})
                L.append(f"| {SUITE_SHORT[suite]} | {f(c.get('wstls'), '{:.2f}')} | {f(c.get('openssl'), '{:.2f}')} | "
                         f"{f(c.get('rustls'), '{:.2f}')} | {f(c.get('tcp'), '{:.2f}')} |")
        L.append("")
    if s.get("hs"):
        L += ["### Handshakes per second (TLS 1.3, client and server in one process, one thread each)", "",
              "| Server certificate | Handshake | wstls (X25519) | OpenSSL (X25519) | wstls / OpenSSL | target | "
              "wstls default (X25519MLKEM768) | default / OpenSSL | CPU µs per handshake: wstls / default / OpenSSL |",
              "|---|---|---:|---:|---:|---|---:|---:|---|"]
        for key, v in s["hs"].items():
            cert, kind = key.split("/")
            tgt = 2.0 if kind == "resumed" else 1.3
            c = v["cpu_us_per_hs"]
            L.append(f"| {'ECDSA P-256' if cert == 'ecdsa' else 'RSA-2048'} | {kind} | {f(v['wstls'])} | "
                     f"{f(v['openssl'])} | {verdict(ratio(v['wstls'], v['openssl']), tgt)} | ≥ {tgt} | "
                     f"{f(v['wstls_default'])} | {f(ratio(v['wstls_default'], v['openssl']), '{:.2f}x')} | "
                     f"{f(c['wstls'])} / {f(c['wstls_default'])} / {f(c['openssl'])} |")
        L.append("")
    if s.get("lat"):
        v = s["lat"]
        L += ["### Latency (64-byte ping-pong round trip, µs)", "",
              "| | wstls | OpenSSL | rustls | plain TCP | wstls / OpenSSL (p50 ≤ 1.1) |",
              "|---|---:|---:|---:|---:|---:|"]
        for q in ("p50_us", "p99_us"):
            r = ratio(v["wstls"][q], v["openssl"][q])
            L.append(f"| {q[:3]} | {f(v['wstls'][q], '{:.1f}')} | {f(v['openssl'][q], '{:.1f}')} | "
                     f"{f(v['rustls'][q], '{:.1f}')} | {f(v['tcp'][q], '{:.1f}')} | "
                     f"{verdict(r, 1.1, False) if q == 'p50_us' else f(r, '{:.2f}x')} |")
        L.append("")
    if s.get("mem"):
        L += ["### Memory per established idle connection (KiB of resident memory, AES-256-GCM default suite)", "",
              "| Connections | wstls server | wstls client | OpenSSL server | OpenSSL client | wstls / OpenSSL, both ends (≤ 0.5) |",
              "|---:|---:|---:|---:|---:|---:|"]
        for n, v in s["mem"].items():
            w, o = v.get("wstls", {}), v.get("openssl", {})
            L.append(f"| {int(n):,} | {f(w.get('server_kib'), '{:.1f}')} | {f(w.get('client_kib'), '{:.1f}')} | "
                     f"{f(o.get('server_kib'), '{:.1f}')} | {f(o.get('client_kib'), '{:.1f}')} | "
                     f"{verdict(ratio(w.get('total_kib'), o.get('total_kib')), 0.5, False)} |")
        L.append("")
    if s.get("scale"):
        w, t = s["scale"].get("wstls", {}), s["scale"].get("tcp", {})
        base = w.get(str(P["scale_sockets"][0]), {})
        L += ["### Scale: cost of a call as open sockets grow (ns per call)", "",
              "| Open sockets | wstls getsockopt | wstls send+recv (1 byte) | wstls getsockopt on a random handle | native getsockopt | native send+recv | wstls send+recv vs 10 sockets (≤ 1.2) |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
        for n in w:
            v, nv = w[n], t.get(n, {})
            L.append(f"| {int(n):,} | {f(v['getsockopt_ns'])} | {f(v['send_recv_ns'])} | "
                     f"{f(v['random_getsockopt_ns'])} | {f(nv.get('getsockopt_ns'))} | {f(nv.get('send_recv_ns'))} | "
                     f"{verdict(ratio(v['send_recv_ns'], base.get('send_recv_ns')), 1.2, False)} |")
        if s["scale"].get("wstls_nofile_limited"):
            L.append("")
            L.append("The last row stops at the process's open-file limit (RLIMIT_NOFILE hard limit "
                     "on this machine); the handle table alone, to 100,000 entries:")
        tb = s["scale"].get("table", {})
        if tb:
            b0 = tb.get("10", {})
            L += ["", "| Table entries | lookup of one handle (ns) | lookup of a random handle (ns) | two threads, each its own handle (ns) | insert + remove (ns) | one handle vs 10 entries (≤ 1.2) |",
                  "|---:|---:|---:|---:|---:|---:|"]
            for n, v in tb.items():
                L.append(f"| {int(n):,} | {f(v['lookup_ns'], '{:.1f}')} | {f(v['random_lookup_ns'], '{:.1f}')} | "
                         f"{f(v.get('two_thread_lookup_ns'), '{:.1f}')} | {f(v['insert_remove_ns'], '{:.1f}')} | "
                         f"{verdict(ratio(v['lookup_ns'], b0.get('lookup_ns')), 1.2, False)} |")
        cl = s["scale"].get("calls", {})
        if cl:
            L += ["", "Per-call cost with threads each on their own socket: `ioctlsocket(FIONBIO)`, which wstls "
                  "serves without a system call (handle lookup and locks only); natively it is an `ioctl`.", "",
                  "| Threads | wstls ns per call | native ioctl ns per call | wstls vs 1 thread |", "|---:|---:|---:|---:|"]
            c1 = cl.get("1", {}).get("wstls")
            for t, v in cl.items():
                L.append(f"| {t} | {f(v['wstls'], '{:.1f}')} | {f(v['tcp'], '{:.1f}')} | {f(ratio(v['wstls'], c1), '{:.2f}x')} |")
        L.append("")
    if s.get("threads"):
        L += [f"### Throughput with parallel connections (MiB/s in total, AES-128-GCM, "
              f"{doc['params']['thread_bytes'] >> 20} MiB per connection; {m['cores']} cores)", "",
              "| Threads (connections) | wstls | OpenSSL | plain TCP | wstls / OpenSSL |", "|---:|---:|---:|---:|---:|"]
        for n, v in s["threads"].items():
            L.append(f"| {n} | {f(v['wstls'])} | {f(v['openssl'])} | {f(v['tcp'])} | "
                     f"{f(ratio(v['wstls'], v['openssl']), '{:.2f}x')} |")
        L.append("")
    if s.get("callgrind"):
        L += ["### Instructions per call (callgrind, AES-128-GCM)", "",
              "| Call / bytes | wstls | OpenSSL | wstls / OpenSSL | wstls outside the allocator "
              "(checked by CI) | expected |",
              "|---|---:|---:|---:|---:|---:|"]
        for key, v in s["callgrind"].items():
            L.append(f"| {key} | {f(v['wstls'])} | {f(v['openssl'])} | "
                     f"{f(ratio(v['wstls'], v['openssl']), '{:.2f}x')} | {f(v.get('wstls_no_alloc'))} | "
                     f"{f(v.get('expected'))} |")
        L += ["", "Counts with the allocator vary a little from run to run (the heap layout the "
              "two-thread handshake leaves behind); outside it they are the same in every run "
              "(docs/performance.md)."]
        L.append("")
    if s.get("sspi"):
        L += ["### SSPI EncryptMessage / DecryptMessage in memory (MiB/s, one thread, 16 KiB records)", "",
              "| Suite | wstls SSPI encrypt / decrypt | rustls in memory encrypt / decrypt | OpenSSL BIO pair encrypt / decrypt | "
              "SSPI / rustls (both) | SSPI / OpenSSL (both) |",
              "|---|---:|---:|---:|---:|---:|"]
        for suite in SUITES:
            v = s["sspi"].get(suite)
            if not v:
                continue
            w, r, o = v["sspi"], v["rustls"], v["openssl_bio"]
            L.append(f"| {SUITE_SHORT[suite]} | {f(w['encrypt'])} / {f(w['decrypt'])} | {f(r['encrypt'])} / {f(r['decrypt'])} | "
                     f"{f(o['encrypt'])} / {f(o['decrypt'])} | {f(ratio(w['both'], r['both']), '{:.2f}x')} | "
                     f"{f(ratio(w['both'], o['both']), '{:.2f}x')} |")
        if not s["sspi"].get("sspi_available"):
            L += ["", "n/a: the SSPI face (include/compat/sspi.h) is not in this tree yet."]
        L.append("")
    return "\n".join(L)


def main():
    t0 = time.time()
    doc = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": os.environ.get("BENCH_COMMAND", "bench/run.sh"),
        "quick": QUICK, "reps": REPS, "bulk_reps": BULK_REPS, "params": P, "machine": machine(), "sections": {},
    }
    for name, fn in SECTIONS:
        if ONLY and name not in ONLY:
            continue
        log(f"== {name}")
        t = time.time()
        try:
            doc["sections"][name] = fn()
        except Exception as e:  # a broken section must not lose the others
            log(f"  section {name} failed: {e!r}")
            doc["sections"][name] = None
        log(f"   ({time.time() - t:.0f} s)")
    doc["runs"] = runs
    doc["elapsed_s"] = round(time.time() - t0, 1)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as fp:
        json.dump(doc, fp, indent=1)
    md = markdown(doc)
    with open(os.path.join(RESULTS, "latest.md"), "w") as fp:
        fp.write(md + "\n")
    print(md)
    log(f"wrote {RESULTS}/latest.json and latest.md ({doc['elapsed_s']} s)")


def render():
    """`driver.py --render`: rewrite latest.md from latest.json (no measurement)."""
    doc = json.load(open(os.path.join(RESULTS, "latest.json")))
    md = markdown(doc)
    with open(os.path.join(RESULTS, "latest.md"), "w") as fp:
        fp.write(md + "\n")
    print(md)


if __name__ == "__main__":
    if "--callgrind-check" in sys.argv:
        sys.exit(callgrind_check())
    if "--render" in sys.argv:
        render()
        sys.exit(0)
    main()
