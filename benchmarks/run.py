#!/usr/bin/env python3
"""Time ``planner solve`` stage by stage on a workbook, with peak memory, and check the speed targets.

    python benchmarks/run.py --preset world            # generate benchmarks/out/world.xlsx, then run
    python benchmarks/run.py path/to/input.xlsx        # any input workbook
    python benchmarks/run.py --preset world --cold --cli --json benchmarks/out/world.json

What runs is the pipeline users run (``planner.api.solve``), observed through its stage hook: the
pipeline calls the hook before and after each stage (read, validate, build, check, hand-off, solve,
explain, tables, sheets, write), and the hook records wall seconds, CPU seconds and peak memory.
Inside the solve stage the pipeline itself records renumbering, results and the solver's own
seconds (the run report's timings), which this script prints beside the stages.

Peak memory: at the start of each stage the process' RSS high-water mark (VmHWM in
/proc/self/status) is reset by writing "5" to /proc/self/clear_refs (Linux >= 4.0) and read at
its end: the largest resident set the stage reached, native allocations (HiGHS, numpy) included.
Where the reset is not allowed, a thread samples VmRSS every 5 ms instead. The CLI run (--cli)
is measured from outside: wall time and the child's ru_maxrss.

``--cold`` solves the base and every scenario again, each in a fresh HiGHS instance without a
warm start: the time the solver alone needs with no reuse (the second reading of the targets).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.append(str(HERE.parent))  # benchmarks.generate importable from anywhere; an installed planner wins

from benchmarks.generate import PRESETS, generate_preset  # noqa: E402

TARGET_OUTSIDE_SOLVER = 2.0  # whole `planner solve` run / the HiGHS time of the same run
TARGET_MEMORY_GB = 1.5
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384
GB = 1024 ** 3


# --- memory -------------------------------------------------------------------------------


def _status_kb(field_name: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


class PeakMemory:
    """Peak RSS of a stretch of code: VmHWM after resetting it, or a 5 ms VmRSS sampler."""

    def __init__(self):
        self.method = "VmHWM reset via /proc/self/clear_refs"
        try:
            self._reset()
        except OSError:
            self.method = "VmRSS sampled every 5 ms"
        self._peak_kb = 0
        self._stop = threading.Event()
        self._thread = None

    @staticmethod
    def _reset() -> None:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")

    def start(self) -> None:
        if self.method.startswith("VmHWM"):
            self._reset()
            return
        self._peak_kb = _status_kb("VmRSS")
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._peak_kb = max(self._peak_kb, _status_kb("VmRSS"))

    def stop(self) -> int:
        """Peak bytes since start()."""
        if self.method.startswith("VmHWM"):
            return _status_kb("VmHWM") * 1024
        self._stop.set()
        self._thread.join()
        return max(self._peak_kb, _status_kb("VmRSS")) * 1024


@dataclass
class Stage:
    seconds: float = 0.0
    cpu: float = 0.0  # process CPU seconds (all threads): less sensitive than wall time to a busy machine
    peak_bytes: int = 0


@dataclass
class StageMeter:
    """A pipeline hook: wall and CPU seconds and peak memory of every stage."""

    mem: PeakMemory = field(default_factory=PeakMemory)
    stages: dict[str, Stage] = field(default_factory=dict)
    _open: dict = field(default_factory=dict)

    def __call__(self, event: str, name: str, seconds: float | None = None) -> None:
        if event == "start":
            self.mem.start()
            self._open[name] = time.process_time()
            return
        stage = self.stages.setdefault(name, Stage())
        stage.seconds += seconds
        stage.cpu += time.process_time() - self._open.pop(name)
        stage.peak_bytes = max(stage.peak_bytes, self.mem.stop())


# --- runs ---------------------------------------------------------------------------------


def run_pipeline(path: Path, output: Path, cold: bool = False, explain: bool = True, workers: int | None = None,
                 joint: bool = False) -> dict:
    """``planner.api.solve`` on ``path`` with the stage meter hooked in.

    Blocks solved in worker processes report their stages' seconds summed over the workers (the
    run report's timings); the meter sees this process's stages, "solve blocks" among them.
    """
    import planner.api  # imported before the clock starts: a long-running process has it already

    meter = StageMeter()
    load_before = os.getloadavg()
    start = time.perf_counter()
    run = planner.solve(path, output, explain=explain, hooks=(meter,), workers=workers, joint=joint)
    whole = time.perf_counter() - start
    timings = run.report.timings
    scenarios = run.tables["scenarios"]
    out = {
        "workbook": str(path),
        "output": str(output),
        "size": run.report.model_size,
        "solves": len(scenarios),
        "status": run.status,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "stages": {k: {"seconds": s.seconds, "cpu": s.cpu, "peak_gb": s.peak_bytes / GB}
                   for k, s in meter.stages.items()},
        "blocks": run.report.blocks,
        "worker_stages": {k: timings.get(k, 0.0) for k in ("build", "check", "hand-off", "solve", "explain",
                                                            "tables")},
        "inside_solve": {k: timings.get(k, 0.0) for k in ("renumber", "highs", "results")},
        "highs_by_scenario": {name: timings.get(f"highs[{name}]", 0.0) for name in scenarios["scenario"]},
        "whole_seconds": whole,
        "peak_gb": max(s.peak_bytes for s in meter.stages.values()) / GB,
        "memory_method": meter.mem.method,
        "highs_total": timings.get("highs", 0.0),
        "table_rows": {name: len(frame) for name, frame in run.tables.items()},
        "table_cols": {name: len(frame.columns) for name, frame in run.tables.items()},
    }
    if cold:
        out["cold"] = cold_solves(run)
    return out


def cold_solves(run) -> list[dict]:
    """The base and every scenario solved again from scratch, block by block as the run solved them (or
    as one model for a joint run), each in a fresh HiGHS instance; seconds summed over the blocks."""
    from planner.input.blocks import independent_blocks, restrict
    from planner.input.scenarios import apply_scenario, scenario_names
    from planner.model.build import build_model, numbers_for
    from planner.solver import HighsSession

    groups = [tuple(run.data.minerals)] if run.model is not None else independent_blocks(run.data)
    cold = {name: {"label": name, "highs": 0.0, "status": "Optimal", "iterations": 0}
            for name in scenario_names(run.data)}
    for group in groups:
        block = run.data if run.model is not None else restrict(run.data, group)
        model = run.model or build_model(block)
        for name in cold:
            solution = HighsSession(model).solve(numbers_for(model, apply_scenario(block, name)))
            cold[name]["highs"] += solution.solve_seconds
            cold[name]["iterations"] += solution.iterations or 0
            if not solution.optimal:
                cold[name]["status"] = solution.status
    return list(cold.values())


def run_cli(path: Path, output: Path) -> dict:
    """``planner solve`` in a child process: wall time, peak RSS (wait4), and its Run info sheet."""
    exe = Path(sys.executable).with_name("planner")
    cmd = [sys.executable, str(exe)] if exe.exists() else [sys.executable, "-m", "planner"]
    cmd += ["solve", str(path), "-o", str(output), "-q"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    import resource

    maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    info = {}
    if proc.returncode in (0, 1) and output.exists():
        from openpyxl import load_workbook

        wb = load_workbook(output, read_only=True)
        for row in wb["Run info"].iter_rows(min_row=2, values_only=True):
            if row and row[0] is not None:
                info[str(row[0])] = row[1]
        wb.close()
    return {"command": " ".join(cmd), "exit": proc.returncode, "wall": wall, "peak_gb": maxrss_kb * 1024 / GB,
            "stderr_tail": stderr.decode(errors="replace").strip().splitlines()[-12:], "run_info": info}


# --- reporting -----------------------------------------------------------------------------


def machine() -> dict:
    from planner.runinfo import package_versions

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    import planner

    src = Path(planner.__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "planner"], capture_output=True,
                           text=True).stdout.strip()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"nproc": usable, "cpu": cpu, "os": platform.platform(), "versions": package_versions(),
            "planner_commit": commit + (" + uncommitted changes" if dirty else "")}


def verdicts(r: dict) -> list[tuple[str, float, str, bool]]:
    """(target, measured, limit text, pass)."""
    out = []
    ratio = r["whole_seconds"] / r["highs_total"] if r["highs_total"] else float("inf")
    out.append(("whole run / HiGHS time of the same run (warm, as run)", ratio, f"<= {TARGET_OUTSIDE_SOLVER}",
                ratio <= TARGET_OUTSIDE_SOLVER))
    if "cold" in r:
        cold = sum(c["highs"] for c in r["cold"])
        out.append(("whole run / the same LPs solved cold, one after another", r["whole_seconds"] / cold,
                    f"<= {TARGET_OUTSIDE_SOLVER}", r["whole_seconds"] / cold <= TARGET_OUTSIDE_SOLVER))
    out.append(("peak memory (GB), in-process", r["peak_gb"], f"<= {TARGET_MEMORY_GB}",
                r["peak_gb"] <= TARGET_MEMORY_GB))
    if "cli" in r:
        out.append(("peak memory (GB), planner solve CLI", r["cli"]["peak_gb"], f"<= {TARGET_MEMORY_GB}",
                    r["cli"]["peak_gb"] <= TARGET_MEMORY_GB))
    biggest, widest = max(r["table_rows"].values()), max(r["table_cols"].values())
    out.append(("largest output table (rows)", biggest, f"< {EXCEL_ROWS:,} (one sheet)",
                biggest < EXCEL_ROWS and widest <= EXCEL_COLS))
    return out


def report(r: dict) -> str:
    m, s = r["machine"], r["size"]
    v = m["versions"]
    lines = [f"machine: {m['nproc']} cpu ({m['cpu']}); Python {v.get('python')}, PuLP {v.get('pulp')}, "
             f"highspy {v.get('highspy')}; planner at {m['planner_commit']}",
             f"workbook: {r['workbook']} ({s['columns']:,} columns, {s['rows']:,} rows, {s['nonzeros']:,} nonzeros; "
             f"{r['solves']} scenarios incl. base); status {r['status']}",
             f"load average before/after {r['load_before'][0]:.2f}/{r['load_after'][0]:.2f}; memory: "
             f"{r['memory_method']}", "",
             f"{'stage':<10} {'seconds':>9} {'cpu s':>8} {'share':>7} {'peak GB':>8}"]
    for k, st in r["stages"].items():
        lines.append(f"{k:<10} {st['seconds']:>9.2f} {st['cpu']:>8.2f} {st['seconds'] / r['whole_seconds']:>6.1%} "
                     f"{st['peak_gb']:>8.2f}")
    lines.append(f"{'whole run':<10} {r['whole_seconds']:>9.2f} {'':>8} {'':>7} {r['peak_gb']:>8.2f}")
    lines.append(f"  solved as {r['blocks'][0]} block(s), {r['blocks'][1]}; their stages, summed over workers: "
                 + ", ".join(f"{k} {v:.2f}" for k, v in r["worker_stages"].items()))
    inside = r["inside_solve"]
    lines.append(f"  inside solve and explain: HiGHS {inside['highs']:.2f} s, renumbering {inside['renumber']:.2f} s, "
                 f"results {inside['results']:.2f} s")
    cold = {c["label"]: c["highs"] for c in r.get("cold", [])}
    lines.append("  HiGHS per scenario (warm as run / cold): " + ", ".join(
        f"{k} {h:.2f}" + (f"/{cold[k]:.2f}" if k in cold else "") for k, h in r["highs_by_scenario"].items()))
    lines.append("largest output tables: " + ", ".join(f"{k} {n:,}" for k, n in sorted(
        r["table_rows"].items(), key=lambda kv: -kv[1])[:4]))
    if "cli" in r:
        c = r["cli"]
        lines.append(f"CLI: `{c['command']}` exit {c['exit']}, {c['wall']:.2f} s wall, peak RSS {c['peak_gb']:.2f} GB")
    lines += ["", "targets:"]
    for label, value, limit, ok in verdicts(r):
        shown = f"{value:,.0f}" if value >= 1000 else f"{value:.3f}"
        lines.append(f"  {'PASS' if ok else 'FAIL'}  {label}: {shown} (target {limit})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workbook", nargs="?", help="an input workbook (or use --preset)")
    p.add_argument("--preset", choices=sorted(PRESETS), help="generate this preset into benchmarks/out/ first")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cold", action="store_true", help="also solve every LP cold, one after another")
    p.add_argument("--cli", action="store_true", help="also time `planner solve` end to end in a child process")
    p.add_argument("--no-explain", action="store_true", help="skip the explanation sheets")
    p.add_argument("--profile", metavar="FILE.prof", help="run under cProfile (timings inflated) and save stats")
    p.add_argument("--json", metavar="FILE", help="write the measurements as JSON")
    p.add_argument("--workers", type=int, help="worker processes for the blocks (default: the planner's)")
    p.add_argument("--joint", action="store_true", help="solve every mineral in one model, as before blocks")
    args = p.parse_args(argv)
    if bool(args.workbook) == bool(args.preset):
        p.error("give a workbook or --preset, not both")
    OUT.mkdir(parents=True, exist_ok=True)
    if args.preset:
        path = OUT / f"{args.preset}.xlsx"
        start = time.perf_counter()
        generate_preset(path, args.preset, args.seed)
        print(f"generated {path} in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    else:
        path = Path(args.workbook)
    tag = f"{path.stem}-py{sys.version_info.major}{sys.version_info.minor}"
    output = OUT / f"{tag}-plan.xlsx"
    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        result = prof.runcall(run_pipeline, path, output, args.cold, not args.no_explain, args.workers, args.joint)
        prof.dump_stats(args.profile)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        result = run_pipeline(path, output, cold=args.cold, explain=not args.no_explain, workers=args.workers,
                              joint=args.joint)
    result["machine"] = machine()
    if args.cli:
        result["cli"] = run_cli(path, OUT / f"{tag}-cli-plan.xlsx")
    print(report(result))
    if args.json:
        result["verdicts"] = [{"target": t, "value": v, "limit": lim, "pass": ok} for t, v, lim, ok in verdicts(result)]
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
