#!/usr/bin/python3
"""Restora's reproducible benchmark: our engine beside PyTorch-Python eager and OpenCV's
dnn_superres peers, measured in one run on this machine, written to docs/PERFORMANCE.md.

  make bench                                    # builds build/bench/bench_networks, runs this
  /usr/bin/python3 bench/run_bench.py [--threads N] [--repetitions 5] [--skip-peers] ...

Sections (medians of --repetitions runs; compare rows of one run, as ratios):
  peak      one large fp32 and one large bf16 3×3 convolution (bench_networks Peak/*): this
            machine's practical peak in GFLOP/s; narrower ones (ConvWidth/*) beside it
  inference every shipped model at each scale, 256² and 512² inputs, fp32 and bf16: ms per
            output megapixel through our engine (bench_networks Network/*), GFLOP/s from the
            convolutions' FLOPs (bench/torch_reference.py counts them), fraction of the peak,
            and the identical network with the same weights in PyTorch-Python eager (fp32, bf16
            autocast), in NCHW and in channels-last
  peers     `restora eval --task super_resolution`: Y-PSNR and ms/MP of our SR model and of
            FSRCNN / ESPCN / LapSRN (OpenCV dnn_superres) on Set5, Set14, BSD100
  training  steps/s of `restora train` (data loading included) and of the same network, batch
            and patch in PyTorch-Python (compute only), fp32 and bf16
  memory    peak RSS against image size (bench/memory.py)
"""
import argparse
import datetime
import functools
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3"  # Debian's, with python3-torch
REFERENCE = str(REPO / "bench/torch_reference.py")


def run(command, **kwargs):
    print("$ " + " ".join(map(str, command)), file=sys.stderr, flush=True)
    return subprocess.run(list(map(str, command)), check=True, text=True, capture_output=True,
                          **kwargs).stdout


def cpu_name():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def bf16_units():
    """Which native bf16 units the CPU has: they set the bf16 peak, so runs on different CPUs
    compare only as ratios."""
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    units = [name for flag, name in (("amx_bf16", "AMX-BF16"), ("avx512_bf16", "AVX512-BF16"))
             if flag in flags]
    return " and ".join(units) or "none"


# ---------------------------------------------------------------------------------------------
# Inference: bench_networks (ours) and torch_reference.py infer (PyTorch-Python)

def our_benchmarks(args, pattern):
    """-> ({benchmark name: median real ms}, {name: median counters}, context) of the
    benchmarks whose names match `pattern`."""
    output = run([args.bench_binary, "--threads", args.threads, "--benchmark_format=json",
                  f"--benchmark_repetitions={args.repetitions}", "--benchmark_min_time=0.3",
                  f"--benchmark_filter={pattern}"])
    report = json.loads(output)
    runs = {}
    for entry in report["benchmarks"]:
        if entry.get("run_type") == "iteration":
            runs.setdefault(entry["run_name"].removesuffix("/real_time"), []).append(entry)
    # Every benchmark reports milliseconds; the counters are rates, so their medians are taken
    # one by one.
    times = {name: statistics.median(e["real_time"] for e in entries)
             for name, entries in runs.items()}
    counters = {name: {key: statistics.median(e[key] for e in entries)
                       for key in entries[0] if isinstance(entries[0][key], float)}
                for name, entries in runs.items()}
    return times, counters, report["context"]


def listed_benchmarks(args):
    """-> (names of the other benchmarks --filter selects, the Network/<model>/x<scale>/<size>
    prefixes it selects), in bench_networks' order; the peak convolutions always run."""
    listed = run([args.bench_binary, "--benchmark_list_tests=true",
                  f"--benchmark_filter=Peak|{args.filter}"]).split()
    others, groups = [], []
    for name in (name.removesuffix("/real_time") for name in listed):
        match = re.fullmatch(r"(Network/[\w-]+/x\d+/\d+)/\w+", name)
        if not match:
            others.append(name)
        elif match.group(1) not in groups:
            groups.append(match.group(1))
    return others, groups


@functools.lru_cache(maxsize=None)  # each setting is timed once, whichever row asks
def torch_infer(model, scale, size, precision, threads, repetitions, channels_last=True):
    return json.loads(run([PYTHON, REFERENCE, "infer", model, "--scale", scale, "--size", size,
                           "--precision", precision, "--threads", threads,
                           "--repeat", repetitions, "--json",
                           "--channels-last" if channels_last else "--no-channels-last"]))


def rate_table(times, counters, peak, pattern, column, cell):
    """Markdown rows of the benchmarks named `pattern` (groups: precision, `column`'s value)."""
    rows = ["| precision | " + column + " | ms | GFLOP/s | of peak |", "|---|---|---|---|---|"]
    for name, entry in counters.items():
        match = re.fullmatch(pattern, name)
        if match:
            p, value = match.groups()
            rows.append(f"| {p} | {cell.format(value)} | {times[name]:.2f} | "
                        f"{entry['GFLOP/s']:.0f} | {entry['GFLOP/s'] / peak[p]:.0%} |")
    return rows


def inference_section(args, lines):
    others, groups = listed_benchmarks(args)
    times, counters, context = our_benchmarks(
        args, "^(" + "|".join(re.escape(name) for name in others) + ")(/real_time)?$")
    peak = {p: counters[f"Peak/conv3x3_{p}"]["GFLOP/s"] for p in ("fp32", "bf16")}
    lines += ["## Peak", "",
              "One 3×3 convolution, 128→128 channels on a 256×256 input in the engine's layout "
              "(channels-last; NCHW for fp32 on a CPU without AVX-512) "
              "(`bench_networks Peak/*`): the practical peak that the fractions below refer to.", "",
              "| precision | GFLOP/s |", "|---|---|"]
    lines += [f"| {p} | {peak[p]:.0f} |" for p in ("fp32", "bf16")]
    lines += ["", "Residual block (64 features, `bench_networks ResidualBlock/*`):", ""]
    lines += rate_table(times, counters, peak, r"ResidualBlock/(\w+)/(\d+)", "input", "{}²")
    lines += ["", "One 3×3 convolution c → c on 256² (`bench_networks ConvWidth/*`; the peak is c = 128):",
              ""]
    lines += rate_table(times, counters, peak, r"ConvWidth/(\w+)/(\d+)", "channels", "{}")

    lines += ["", "## Inference", "",
              "Ours: `bench_networks Network/<model>/x<scale>/<size>/<precision>`, the real engine "
              "(image → tensor, network, tensor → image) on one tile. PyTorch: "
              "`bench/torch_reference.py infer` — the identical network and weights (verified "
              "bit for bit against our engine by its `verify` command), forward pass only, in "
              "PyTorch's default layout (NCHW) and in channels-last as ours. ms/MP: milliseconds "
              "per output megapixel. GFLOP/s counts the convolutions' multiply-adds ×2.", "",
              "| model | scale | input | precision | ours ms/MP | ours GFLOP/s | of peak | "
              "PyTorch fp32 NCHW | PyTorch fp32 channels-last | PyTorch bf16 channels-last | "
              "ours vs PyTorch fp32 NCHW / channels-last | ours vs PyTorch bf16 |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    summary = []
    # Each network's rows run right before PyTorch's runs of it, so a change in the machine's
    # load moves both sides of a ratio alike (run apart, ratios moved by up to 28 %).
    network_times = {}
    for group in groups:
        network_times.update(our_benchmarks(args, f"^{group}/")[0])
        model, scale, size = re.fullmatch(r"Network/([\w-]+)/x(\d+)/(\d+)", group).groups()
        for p in ("fp32", "bf16"):
            torch_infer(model, scale, size, p, args.threads, args.repetitions)
        torch_infer(model, scale, size, "fp32", args.threads, args.repetitions,
                    channels_last=False)
    for name, ours_ms in network_times.items():
        model, scale, size, precision = re.fullmatch(
            r"Network/([\w-]+)/x(\d+)/(\d+)/(\w+)", name).groups()
        torch_fp32, torch_bf16 = (
            torch_infer(model, scale, size, p, args.threads, args.repetitions)
            for p in ("fp32", "bf16"))
        torch_nchw = torch_infer(model, scale, size, "fp32", args.threads, args.repetitions,
                                 channels_last=False)
        flops = torch_fp32["flops"]
        megapixels = (int(size) * int(scale)) ** 2 / 1e6
        gflops = flops / ours_ms / 1e6
        speedup_nchw = torch_nchw["median_ms"] / ours_ms
        speedup_fp32 = torch_fp32["median_ms"] / ours_ms
        speedup_bf16 = torch_bf16["median_ms"] / ours_ms
        lines.append(f"| {model} | x{scale} | {size}² | {precision} | {ours_ms / megapixels:.0f} | "
                     f"{gflops:.0f} | {gflops / peak[precision]:.0%} | "
                     f"{torch_nchw['ms_per_output_mp']:.0f} | "
                     f"{torch_fp32['ms_per_output_mp']:.0f} | {torch_bf16['ms_per_output_mp']:.0f} | "
                     f"{speedup_nchw:.2f}× / {speedup_fp32:.2f}× | {speedup_bf16:.2f}× |")
        summary.append({"model": model, "scale": int(scale), "size": int(size),
                        "precision": precision, "ours_ms": ours_ms,
                        "of_peak": gflops / peak[precision],
                        "torch_nchw_ms": torch_nchw["median_ms"],
                        "torch_fp32_ms": torch_fp32["median_ms"],
                        "torch_bf16_ms": torch_bf16["median_ms"]})
    lines.append("")
    lines += targets(summary)
    return summary, context


def targets(summary):
    """Issue 3's inference targets, judged on this run's rows. A speed-up target a row misses is
    set against its roofline bound: the ratio ours would reach at 100 % of the measured bf16
    peak (the peer's time ÷ the convolutions' FLOPs at peak)."""
    bf16 = [row for row in summary if row["precision"] == "bf16"]
    if not bf16:
        return []
    describe = lambda r: f"{r['model']} x{r['scale']} {r['size']}²"
    at_peak_ms = lambda r: r["ours_ms"] * r["of_peak"]  # the convolutions at 100 % of the peak
    lines = ["Targets (bf16 rows; a row that misses one is named with its roofline bound, the "
             "ratio at 100 % of the bf16 peak):", ""]
    for label, key, goal in (("PyTorch fp32 eager (NCHW)", "torch_nchw_ms", 3.0),
                             ("PyTorch fp32 in channels-last", "torch_fp32_ms", 3.0),
                             ("PyTorch bf16 autocast", "torch_bf16_ms", 1.2)):
        ratio = lambda r: r[key] / r["ours_ms"]
        missed = sorted((r for r in bf16 if ratio(r) < goal), key=ratio)
        text = (f"- ours bf16 ≥ {goal:g}× {label}: {len(bf16) - len(missed)} of {len(bf16)} rows; "
                f"worst {min(map(ratio, bf16)):.2f}×")
        if missed:
            text += "; missed by " + ", ".join(
                f"{describe(r)} {ratio(r):.2f}× (bound {r[key] / at_peak_ms(r):.2f}×)" for r in missed)
        lines.append(text)
    for precision in ("fp32", "bf16"):
        rows = [row for row in summary if row["precision"] == precision]
        if not rows:  # --filter may select one precision only
            continue
        below = sorted((r for r in rows if r["of_peak"] < 0.6), key=lambda r: r["of_peak"])
        text = (f"- {precision} at ≥ 60 % of the measured peak: {len(rows) - len(below)} of "
                f"{len(rows)} rows; highest {max(r['of_peak'] for r in rows):.0%}")
        if below:
            text += "; below: " + ", ".join(f"{describe(r)} {r['of_peak']:.0%}" for r in below)
        lines.append(text)
    return lines + [""]


# ---------------------------------------------------------------------------------------------
# Peers: restora eval's super-resolution tables (PSNR and time of every method)

def peers_section(args, lines):
    with tempfile.TemporaryDirectory() as work:
        evaluation = json.loads(run([args.restora, "eval", "--task", "super_resolution",
                                     "--model", ",".join(args.sr_models), "--threads",
                                     args.threads, "--timing-runs", args.repetitions,
                                     "--data", args.data, "--json",
                                     "-o", Path(work) / "sr.md"]))
    lines += ["## Super-resolution speed and quality against OpenCV dnn_superres", "",
              f"`restora eval --task super_resolution --model {','.join(args.sr_models)} "
              f"--threads {args.threads} --timing-runs {args.repetitions}` (PROTOCOLS.md: "
              "Y-PSNR, border cropped by the scale; ms/MP: output megapixels, each image's time "
              f"the median of {args.repetitions} calls, then the median over the set's images). "
              "Ours runs at `--precision auto`.", ""]
    verdicts = []
    for table in evaluation["results"]:
        scales = sorted({cell["scale"] for m in table["methods"] for cell in m["cells"]})
        lines += [f"### {table['set']}", "",
                  "| method | " + " | ".join(f"x{s} PSNR | x{s} ms/MP" for s in scales) + " |",
                  "|---|" + "---|---|" * len(scales)]
        for method in table["methods"]:
            cells = {cell["scale"]: cell for cell in method["cells"]}
            row = [method["method"]]
            for s in scales:
                cell = cells.get(s)
                row += ([f"{cell['psnr']:.2f}", f"{cell['ms_per_megapixel']:.0f}"] if cell
                        else ["—", "—"])
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
        verdicts += dominance(table)
    lines += ["Where our SR models stand against each peer (faster per megapixel and higher "
              "PSNR = dominates):", ""] + [f"- {line}" for line in verdicts] + [""]


def dominance(table):
    """One line per peer and scale: which of our rows dominate it (faster and higher PSNR)?"""
    ours = [m for m in table["methods"] if m["method"].startswith("Restora")]
    verdicts = []
    for peer in table["methods"]:
        if "dnn_superres" not in peer["method"]:
            continue
        for cell in peer["cells"]:
            parts = []
            for row in ours:
                mine = next(c for c in row["cells"] if c["scale"] == cell["scale"])
                higher = mine["psnr"] > cell["psnr"]
                faster = mine["ms_per_megapixel"] < cell["ms_per_megapixel"]
                verdict = ("dominates" if higher and faster else "higher but slower" if higher
                           else "faster but lower" if faster else "lower and slower")
                parts.append(f"{row['method']} {verdict} ({mine['psnr']:.2f} vs {cell['psnr']:.2f}"
                             f" dB, {mine['ms_per_megapixel']:.0f} vs "
                             f"{cell['ms_per_megapixel']:.0f} ms/MP)")
            verdicts.append(f"{table['set']} x{cell['scale']} {peer['method']}: " + "; ".join(parts))
    return verdicts


# ---------------------------------------------------------------------------------------------
# Training: restora train vs torch_reference.py train, same recipe

def bench_config(config_path, work):
    """The experiment with logging every 10 steps and no validation or checkpoint."""
    text = re.sub(r"^\s*//.*$", "", Path(config_path).read_text(), flags=re.M)
    config = json.loads(text)
    config["training"].update(log_every=10, validate_every=10**8, checkpoint_every=10**8)
    path = Path(work) / Path(config_path).name
    path.write_text(json.dumps(config))
    return path


def our_training(args, config, precision, work):
    out = Path(work) / f"run-{precision}"
    run([args.restora, "train", config, "--precision", precision, "--threads", args.threads,
         "--stop-at", args.train_steps, "-o", out, "--quiet"], cwd=REPO)
    rows = (out / "log.csv").read_text().splitlines()[2:]  # header, then the warm-up window
    return statistics.median(float(row.split(",")[3]) for row in rows)


def training_section(args, lines):
    lines += ["## Training", "",
              f"Steps/s over {args.train_steps} steps of each recipe (its batch and patch). Ours: "
              "`restora train --stop-at N` (background data loading and degradation included; "
              "first 10 steps skipped). PyTorch: `bench/torch_reference.py train`, the same "
              "network, Adam, L1, EMA, on one reused random batch (compute only).", "",
              "| recipe | ours bf16 | ours fp32 | PyTorch fp32 NCHW | PyTorch fp32 channels-last | "
              "PyTorch bf16 channels-last | ours bf16 vs PyTorch fp32 NCHW / channels-last |",
              "|---|---|---|---|---|---|---|"]
    for config_name in args.train_configs:
        with tempfile.TemporaryDirectory() as work:
            config = bench_config(REPO / config_name, work)
            ours = {p: our_training(args, config, p, work) for p in ("bf16", "fp32")}
            theirs = {}
            for name, precision, layout in (("fp32 NCHW", "fp32", "--no-channels-last"),
                                            ("fp32", "fp32", "--channels-last"),
                                            ("bf16", "bf16", "--channels-last")):
                theirs[name] = json.loads(run(
                    [PYTHON, REFERENCE, "train", REPO / config_name, "--precision", precision,
                     layout, "--threads", args.threads, "--steps", max(5, args.train_steps // 3),
                     "--json"]))["steps_per_s"]
        lines.append(f"| {config_name} | {ours['bf16']:.2f} | {ours['fp32']:.2f} | "
                     f"{theirs['fp32 NCHW']:.2f} | {theirs['fp32']:.2f} | {theirs['bf16']:.2f} | "
                     f"{ours['bf16'] / theirs['fp32 NCHW']:.2f}× / "
                     f"{ours['bf16'] / theirs['fp32']:.2f}× |")
    lines.append("")


# ---------------------------------------------------------------------------------------------

# Everything from this line on in the output file is hand-written and survives a regeneration.
NOTES_MARKER = "<!-- Hand-written notes: bench/run_bench.py keeps everything from here on. -->"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--data", default=os.environ.get("RESTORA_DATA", str(REPO.parent / "shared/data")))
    parser.add_argument("--restora", default=str(REPO / "build/tools/restora/restora"))
    parser.add_argument("--bench-binary", default=str(REPO / "build/bench/bench_networks"))
    parser.add_argument("--sr-models", nargs="*", default=["sr", "sr-fast", "sr-tiny"])
    parser.add_argument("--train-configs", nargs="*", default=["configs/sr.json",
                                                               "configs/denoise-color.json"])
    parser.add_argument("--train-steps", type=int, default=40)
    parser.add_argument("--filter", default=".", help="regex of the bench_networks benchmarks to run "
                        "(the peak convolutions always run)")
    parser.add_argument("--skip-inference", action="store_true")
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("-o", "--output", default=str(REPO / "docs/PERFORMANCE.md"))
    args = parser.parse_args()

    command = "/usr/bin/python3 bench/run_bench.py " + " ".join(sys.argv[1:])
    header = ["# Restora performance", "",
              f"Generated by `{command.strip()}` on {datetime.date.today().isoformat()}.  ",
              f"Machine: {cpu_name()}, {os.cpu_count()} logical cores; threads: {args.threads} "
              f"(ours and PyTorch alike); medians of {args.repetitions} runs.  ",
              "Absolute times move with machine load: compare rows of one run, as ratios."]
    lines = [""]
    if not args.skip_inference:
        _, context = inference_section(args, lines)
        header[-1] += "  "
        header.append(f"Native bf16: {context.get('native_bf16')} ({bf16_units()}); "
                      f"{context.get('library_build_type', '?')} Google Benchmark library.  ")
    if not args.skip_peers:
        peers_section(args, lines)
    if not args.skip_training:
        training_section(args, lines)
    if not args.skip_memory:
        lines += ["## Memory", "",
                  f"`bench/memory.py --threads {args.threads} --max-memory 192M`: peak resident "
                  "memory of one `restora` process per image (wait4), against the bytes of the "
                  "decoded 8-bit input and output images it holds.", ""]
        lines += [line for line in run([PYTHON, REPO / "bench/memory.py", "--threads",
                                        args.threads, "--max-memory", "192M"]).splitlines()
                  if line.startswith("|")] + [""]

    text = "\n".join(header + lines) + "\n"
    output = Path(args.output)
    previous = output.read_text() if output.exists() else ""
    if NOTES_MARKER in previous:  # the hand-written analysis below the tables stays
        text += "\n" + previous[previous.index(NOTES_MARKER):]
    temporary = output.with_suffix(".md.tmp")
    temporary.write_text(text)
    temporary.replace(output)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
