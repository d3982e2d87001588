#!/usr/bin/env python3
"""Time the planner stage by stage on a workbook, with peak memory, and check the speed targets.

    python benchmarks/run.py --preset world            # generate benchmarks/out/world.xlsx, then run
    python benchmarks/run.py path/to/input.xlsx        # any input workbook
    python benchmarks/run.py --preset medium --cold --cli --json benchmarks/out/medium.json

The pipeline runs in this process with the planner's own functions, chained as planner.api
chains them (read_workbook, validate, build_model, make_solver, apply_scenario + numbers_for,
session.solve, scenario_result, explain, plan_sheets, write_workbook), one stage at a time, so
that each stage gets its own wall time and its own peak memory.

Peak memory: before each stage the process' RSS high-water mark (VmHWM in /proc/self/status)
is reset by writing "5" to /proc/self/clear_refs (Linux >= 4.0), and read after the stage: the
largest resident set the stage reached, native allocations (HiGHS, numpy) included. Where the
reset is not allowed, a thread samples VmRSS every 5 ms instead (a peak shorter than 5 ms can be
missed). The whole run's peak is the largest stage peak. The CLI run (--cli) is measured from
outside: wall time and the child's ru_maxrss from wait4().

HiGHS time is the planner's own ``Solution.solve_seconds`` (the time inside ``Highs.run()``);
every call to ``session.solve`` is recorded, the explain stage's re-solves included. ``--cold``
solves each recorded LP again in a fresh HiGHS instance without a warm start, which is the
reference for the "below 1.0x with parallel scenarios / warm starts" target.
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

# Targets of the issue, as (label, limit, compare).
TARGET_BUILD_RESULTS = 0.50  # model build + results extraction per scenario / that scenario's HiGHS time
TARGET_IO = 0.10  # read + validate + write / whole run
TARGET_SEQUENTIAL = 1.30  # whole run / sum of HiGHS times (as the planner solves: sequential, warm)
TARGET_PARALLEL = 1.00  # whole run / sum of cold HiGHS times (parallel scenarios / warm starts)
TARGET_MEMORY_GB = 3.0
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
    name: str
    seconds: float = 0.0
    cpu: float = 0.0  # process CPU seconds (all threads): less sensitive than wall time to a busy machine
    peak_bytes: int = 0
    rss_after: int = 0
    calls: int = 0


@dataclass
class Recorder:
    mem: PeakMemory
    stages: dict[str, Stage] = field(default_factory=dict)

    def run(self, name: str, fn, *args, **kwargs):
        stage = self.stages.setdefault(name, Stage(name))
        self.mem.start()
        cpu = time.process_time()
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        stage.seconds += time.perf_counter() - start
        stage.cpu += time.process_time() - cpu
        stage.peak_bytes = max(stage.peak_bytes, self.mem.stop())
        stage.rss_after = _status_kb("VmRSS") * 1024
        stage.calls += 1
        return result


class RecordingSession:
    """Wraps a solver session: records, for every solve, HiGHS' time, the call's wall time and the LP."""

    def __init__(self, session, keep_numbers: bool):
        self.session = session
        self.keep_numbers = keep_numbers
        self.calls: list[dict] = []
        self.label = "?"

    def solve(self, numbers=None):
        start = time.perf_counter()
        solution = self.session.solve(numbers)
        wall = time.perf_counter() - start
        self.calls.append({"label": self.label, "highs": solution.solve_seconds, "wall": wall,
                           "status": solution.status, "iterations": solution.iterations,
                           "numbers": numbers if self.keep_numbers else None})
        return solution

    def __getattr__(self, name):
        return getattr(self.session, name)


# --- the pipeline, stage by stage ---------------------------------------------------------


def run_pipeline(path: Path, output: Path, cold: bool = False, explain: bool = True) -> dict:
    """Run the planner's stages on ``path``; return timings, memory, sizes and per-scenario numbers."""
    from planner.io.read import read_workbook
    from planner.io.write import write_workbook
    from planner.results import scenario_result
    from planner.scenarios import apply_scenario, scenario_names
    from planner.validate import validate

    from planner.api import Plan, file_sha256
    from planner.model.build import build_model, numbers_for
    from planner.report import plan_sheets
    from planner.solve import make_solver

    rec = Recorder(PeakMemory())
    load_before = os.getloadavg()
    t_start = time.perf_counter()
    raw = rec.run("read", read_workbook, path)
    sha = rec.run("read", file_sha256, path)
    data = rec.run("validate", validate, raw)
    del raw
    model = rec.run("build", build_model, data)
    size = {"columns": model.num_cols, "rows": model.num_rows, "nonzeros": model.num_nonzeros}
    solver_name = str(data.settings.get("solver") or "highs")
    session = rec.run("hand-off", make_solver, model, solver_name, data.settings.get("time_limit"))
    session = RecordingSession(session, keep_numbers=cold)

    scenarios, results = [], []
    for name in scenario_names(data):
        t0 = time.perf_counter()
        scenario_data = rec.run("renumber", apply_scenario, data, name)
        numbers = rec.run("renumber", numbers_for, model, scenario_data)
        t1 = time.perf_counter()
        session.label = name
        solution = rec.run("solve", session.solve, numbers)
        t2 = time.perf_counter()
        result = rec.run("results", scenario_result, name, model, scenario_data, numbers, solution)
        t3 = time.perf_counter()
        result.extra.update(renumber=t1 - t0, solve=solution.solve_seconds, results=t3 - t2)
        if hasattr(result, "solution"):  # kept for the explain stage
            result.solution, result.numbers = solution, numbers
        results.append(result)
        call = session.calls[-1]
        scenarios.append({"scenario": name, "status": solution.status, "iterations": solution.iterations,
                          "renumber": t1 - t0, "solve_wall": t2 - t1, "highs": solution.solve_seconds,
                          "results": t3 - t2, "total_cost": result.total_cost,
                          "unmet_tonnes": _unmet(result)})
        assert call["label"] == name

    timings = {k: rec.stages[k].seconds for k in ("read", "validate", "build", "renumber", "results")}
    timings["solve"] = sum(s["highs"] for s in scenarios)
    plan = Plan(str(path), sha, data, results, size, timings, solver_name)
    base = results[0]
    if explain and getattr(base, "solution", None) is not None:
        try:
            from planner.explain import explain as explain_plan
        except ImportError:
            explain_plan = None
        if explain_plan is not None:
            session.label = "explain"
            plan.explanation = rec.run("explain", explain_plan, model, data, session, base.numbers,
                                       base.solution, None)
            plan.timings["explain"] = rec.stages["explain"].seconds
    sheets = rec.run("report", plan_sheets, plan)  # the output tables and charts, composed
    rec.run("write", write_workbook, output, sheets)  # the .xlsx itself
    whole = time.perf_counter() - t_start

    table_rows = {s.name: len(s.frame) for s in sheets}
    table_cols = {s.name: len(s.frame.columns) for s in sheets}
    explain_calls = [c for c in session.calls if c["label"] == "explain"]
    out = {
        "workbook": str(path),
        "output": str(output),
        "size": size,
        "solves": len(scenarios),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "stages": {k: {"seconds": s.seconds, "cpu": s.cpu, "peak_gb": s.peak_bytes / GB, "rss_after_gb": s.rss_after / GB}
                   for k, s in rec.stages.items()},
        "whole_seconds": whole,
        "peak_gb": max(s.peak_bytes for s in rec.stages.values()) / GB,
        "memory_method": rec.mem.method,
        "scenarios": scenarios,
        "explain_highs": sum(c["highs"] for c in explain_calls),
        "explain_solves": len(explain_calls),
        "highs_total": sum(c["highs"] for c in session.calls),
        "solve_wall_total": sum(c["wall"] for c in session.calls),
        "table_rows": table_rows,
        "table_cols": table_cols,
    }
    if cold:
        out["cold"] = cold_solves(model, solver_name, data.settings.get("time_limit"), session.calls)
    return out


def _unmet(result) -> float | None:
    table = result.tables.get("unmet")
    if table is None or not len(table):
        return 0.0 if result.status == "Optimal" else None
    return float(table["tonnes"].sum())


def cold_solves(model, solver_name, time_limit, calls) -> list[dict]:
    """Each recorded LP solved again from scratch in a fresh HiGHS instance (no warm start)."""
    from planner.solve import make_solver

    cold = []
    for call in calls:
        session = make_solver(model, solver_name, time_limit)
        solution = session.solve(call["numbers"])
        cold.append({"label": call["label"], "highs": solution.solve_seconds, "status": solution.status,
                     "iterations": solution.iterations})
        del session
    return cold


# --- the CLI, end to end -------------------------------------------------------------------


def run_cli(path: Path, output: Path) -> dict:
    """``planner solve`` in a child process: wall time, peak RSS (wait4), and its Run info sheet."""
    # The console script, run by this interpreter (so a copied venv runs its own planner).
    exe = Path(sys.executable).with_name("planner")
    cmd = [sys.executable, str(exe)] if exe.exists() else [sys.executable, "-m", "planner"]
    cmd += ["solve", str(path), "-o", str(output)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    # communicate() already reaped the child; RUSAGE_CHILDREN holds the largest child's maxrss
    import resource

    maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    info = {}
    if proc.returncode in (0, 1) and output.exists():
        from openpyxl import load_workbook

        wb = load_workbook(output, read_only=True)
        if "Run info" in wb.sheetnames:
            for row in wb["Run info"].iter_rows(min_row=2, values_only=True):
                if row and row[0] is not None:
                    info[str(row[0])] = row[1]
        wb.close()
    return {"command": " ".join(cmd), "exit": proc.returncode, "wall": wall, "peak_gb": maxrss_kb * 1024 / GB,
            "stderr_tail": stderr.decode(errors="replace").strip().splitlines()[-12:], "run_info": info}


# --- reporting -----------------------------------------------------------------------------


def machine() -> dict:
    from planner.api import package_versions

    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_gb = int(line.split()[1]) / 1024 ** 2
    except OSError:
        pass
    import planner

    src = Path(planner.__file__).resolve().parent.parent
    commit = ""
    if (src / "COMMIT").exists():
        commit = (src / "COMMIT").read_text().strip()
    else:
        try:
            commit = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "planner"],
                                   capture_output=True, text=True).stdout.strip()
            commit += " + uncommitted changes" if dirty else ""
        except OSError:
            pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"nproc": usable, "cpu": cpu, "ram_gb": round(mem_gb, 1), "os": platform.platform(),
            "versions": package_versions(), "planner_source": str(src), "planner_commit": commit}


def verdicts(r: dict) -> list[tuple[str, float, str, bool]]:
    """(target, measured, limit text, pass) for every target of the issue."""
    st = r["stages"]
    sec = {k: v["seconds"] for k, v in st.items()}
    scen = r["scenarios"]
    highs = [s["highs"] for s in scen]
    out = []
    # Per scenario: its model work (base: build + hand-off + renumber; others: renumber), the part of
    # its solve call outside HiGHS (setting numbers, reading the solution) and results extraction.
    worst = 0.0
    for i, s in enumerate(scen):
        own = s["renumber"] + (s["solve_wall"] - s["highs"]) + s["results"]
        if i == 0:
            own += sec["build"] + sec["hand-off"]
        s["build_results"] = own
        s["ratio"] = own / s["highs"] if s["highs"] > 0 else float("inf")
        worst = max(worst, s["ratio"])
    out.append(("build + results per scenario / its HiGHS time (worst scenario)", worst,
                f"<= {TARGET_BUILD_RESULTS}", worst <= TARGET_BUILD_RESULTS))
    total_model = sum(s["build_results"] for s in scen)
    amortised = total_model / sum(highs) if sum(highs) else float("inf")
    out.append(("build + results over all scenarios / their HiGHS time", amortised,
                f"<= {TARGET_BUILD_RESULTS}", amortised <= TARGET_BUILD_RESULTS))
    io = sec["read"] + sec["validate"] + sec["write"]
    out.append(("read + validate + write / whole run", io / r["whole_seconds"], f"<= {TARGET_IO}",
                io / r["whole_seconds"] <= TARGET_IO))
    seq = r["whole_seconds"] / r["highs_total"]
    out.append(("whole run / sum of HiGHS times (every solve, as run)", seq, f"<= {TARGET_SEQUENTIAL}",
                seq <= TARGET_SEQUENTIAL))
    if "cold" in r:
        cold_total = sum(c["highs"] for c in r["cold"])
        out.append(("whole run / sum of cold HiGHS times (every solve)", r["whole_seconds"] / cold_total,
                    f"< {TARGET_PARALLEL}", r["whole_seconds"] / cold_total < TARGET_PARALLEL))
    out.append(("peak memory (GB), in-process", r["peak_gb"], f"<= {TARGET_MEMORY_GB}",
                r["peak_gb"] <= TARGET_MEMORY_GB))
    if "cli" in r:
        out.append(("peak memory (GB), planner solve CLI", r["cli"]["peak_gb"], f"<= {TARGET_MEMORY_GB}",
                    r["cli"]["peak_gb"] <= TARGET_MEMORY_GB))
    biggest = max(r["table_rows"].values())
    widest = max(r["table_cols"].values())
    out.append(("largest output table (rows)", biggest, f"< {EXCEL_ROWS:,} (one sheet)", biggest < EXCEL_ROWS
                and widest <= EXCEL_COLS))
    return out


def report(r: dict) -> str:
    checks = verdicts(r)  # also fills each scenario's build_results and ratio
    lines = []
    m = r["machine"]
    v = m["versions"]
    lines.append(f"machine: {m['nproc']} cpu ({m['cpu']}), {m['ram_gb']} GB RAM; Python {v.get('python')}, "
                 f"PuLP {v.get('pulp')}, highspy {v.get('highspy')}")
    s = r["size"]
    lines.append(f"workbook: {r['workbook']}  ({s['columns']:,} columns, {s['rows']:,} rows, "
                 f"{s['nonzeros']:,} nonzeros; {r['solves']} scenarios solved incl. base)")
    lines.append(f"planner: {m['planner_source']} at {m['planner_commit']}; load average before/after "
                 f"{r['load_before'][0]:.2f}/{r['load_after'][0]:.2f} (1 min)")
    lines.append(f"memory: {r['memory_method']}")
    lines.append("")
    lines.append(f"{'stage':<10} {'seconds':>9} {'cpu s':>8} {'share':>7} {'peak GB':>8} {'RSS after':>10}")
    order = ["read", "validate", "build", "hand-off", "renumber", "solve", "results", "explain", "report", "write"]
    for k in order:
        if k not in r["stages"]:
            continue
        st = r["stages"][k]
        lines.append(f"{k:<10} {st['seconds']:>9.2f} {st['cpu']:>8.2f} {st['seconds'] / r['whole_seconds']:>6.1%} "
                     f"{st['peak_gb']:>8.2f} {st['rss_after_gb']:>10.2f}")
    lines.append(f"{'whole run':<10} {r['whole_seconds']:>9.2f} {sum(v['cpu'] for v in r['stages'].values()):>8.2f} "
                 f"{'':>7} {r['peak_gb']:>8.2f}")
    lines.append(f"  of which HiGHS: {r['highs_total']:.2f} s over {len(r['scenarios']) + r['explain_solves']} "
                 f"solves ({r['explain_solves']} by explain, {r['explain_highs']:.2f} s)")
    lines.append("")
    lines.append(f"{'scenario':<30} {'status':<8} {'renumber':>8} {'HiGHS':>7} {'solve-HiGHS':>11} {'results':>8} "
                 f"{'model+res':>9} {'ratio':>6} {'cold':>7} {'iters':>7}")
    cold = {c["label"]: c for c in r.get("cold", []) if c["label"] != "explain"}
    for sc in r["scenarios"]:
        c = cold.get(sc["scenario"], {}).get("highs")
        lines.append(f"{sc['scenario'][:30]:<30} {sc['status'][:8]:<8} {sc['renumber']:>8.2f} {sc['highs']:>7.2f} "
                     f"{sc['solve_wall'] - sc['highs']:>11.2f} {sc['results']:>8.2f} {sc['build_results']:>9.2f} "
                     f"{sc['ratio']:>6.2f} {'' if c is None else f'{c:7.2f}':>7} {sc['iterations'] or 0:>7}")
    lines.append("  (model+res: base = build + hand-off + renumber + solve-HiGHS + results; others without "
                 "build and hand-off)")
    lines.append("")
    lines.append("largest output tables: " + ", ".join(f"{k} {n:,}" for k, n in sorted(
        r["table_rows"].items(), key=lambda kv: -kv[1])[:4]))
    if "cli" in r:
        c = r["cli"]
        ri = c["run_info"]
        lines.append(f"CLI: `{c['command']}` exit {c['exit']}, {c['wall']:.2f} s wall, peak RSS {c['peak_gb']:.2f} GB; "
                     f"Run info: model_columns {ri.get('model_columns')}, model_rows {ri.get('model_rows')}, "
                     f"solve_seconds {ri.get('solve_seconds')}")
    lines.append("")
    lines.append("targets:")
    for label, value, limit, ok in checks:
        shown = f"{value:,.0f}" if value >= 1000 else f"{value:.3f}"
        lines.append(f"  {'PASS' if ok else 'FAIL'}  {label}: {shown} (target {limit})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("workbook", nargs="?", help="an input workbook (or use --preset)")
    p.add_argument("--preset", choices=sorted(PRESETS), help="generate this preset into benchmarks/out/ first")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cold", action="store_true", help="also solve every LP cold, for the parallel/warm target")
    p.add_argument("--cli", action="store_true", help="also time `planner solve` end to end in a child process")
    p.add_argument("--no-explain", action="store_true", help="skip the explain stage")
    p.add_argument("--profile", metavar="FILE.prof", help="run under cProfile (timings inflated) and save stats")
    p.add_argument("--json", metavar="FILE", help="write the measurements as JSON")
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
        result = prof.runcall(run_pipeline, path, output, args.cold, not args.no_explain)
        prof.dump_stats(args.profile)
        stats = pstats.Stats(prof, stream=sys.stderr).sort_stats("tottime")
        stats.print_stats(25)
    else:
        result = run_pipeline(path, output, cold=args.cold, explain=not args.no_explain)
    result["machine"] = machine()
    if args.cli:
        result["cli"] = run_cli(path, OUT / f"{tag}-cli-plan.xlsx")
    text = report(result)
    print(text)
    if args.json:
        for sc in result.get("cold", []):
            sc.pop("numbers", None)
        result["verdicts"] = [{"target": t, "value": v, "limit": lim, "pass": ok} for t, v, lim, ok in verdicts(result)]
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
