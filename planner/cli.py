"""Command line: parse arguments, call the API, map errors to exit codes (0, 1, 2 as in the spec).

Exit status: 0 every scenario solved to optimality; 1 a solve did not (infeasible, time
limit); 2 bad input or bad usage (including a missing solver or an output that cannot be
written); 3 an internal error (a bug: please report it with the input file).
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from planner._version import __version__
from planner.errors import InputError, PlannerError
from planner.numbers import money_text

EXIT_OK, EXIT_NOT_OPTIMAL, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code is 2 as well; keep its message short
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _where(p) -> None:
    """Options that say where the independent blocks (minerals) are solved."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="K",
                       help="local worker processes for the blocks (default: one per core on large workbooks)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="solve the blocks on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--joint", action="store_true", help="solve every mineral in one model (the same plans)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="planner", description="Plan critical-mineral sourcing and refining at least cost "
                                                 "under concentration and reserve limits.")
    parser.add_argument("--version", action="version", version=f"planner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("solve", help="solve the base plan and every scenario; write the plan workbook")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("-o", "--output", metavar="OUTPUT.xlsx",
                   help="where to write the plan (default outputs/<input name>-plan.xlsx)")
    p.add_argument("--no-explain", action="store_true",
                   help="skip the explanation sheets (duals, policy costs, concentration): faster on huge models")
    _where(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")

    p = sub.add_parser("validate", help="check a workbook without solving")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing when the workbook is valid")

    p = sub.add_parser("frontier", help="sweep a single-country cap to trace the price of de-risking")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("--mineral", action="append", metavar="NAME",
                   help="mineral to sweep (repeat for several; default every mineral)")
    p.add_argument("--stage", choices=("supply", "refining", "both"), default="both",
                   help="stage whose single-country share is capped (default both, one after the other)")
    p.add_argument("--scope", default="*", metavar="SCOPE",
                   help="whose share is capped: * (default, any single country), a country code or a group label")
    p.add_argument("--step", type=_step, default=0.05, metavar="FRACTION",
                   help="how much the cap tightens per step (default 0.05 = 5 percentage points)")
    p.add_argument("--budget", metavar="NAME",
                   help="instead of a cap, sweep the amount of this budget (sheet budgets) under the hedge: what "
                        "the reserve's money buys at each of --amounts")
    p.add_argument("--amounts", type=_money_list, metavar="A,B,...",
                   help="with --budget: the amounts of money to solve at, e.g. 0,4e9,8e9,12e9")
    p.add_argument("-o", "--output", metavar="OUTPUT.xlsx",
                   help="where to write the curve (default outputs/<input name>-frontier.xlsx)")
    _where(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")

    p = sub.add_parser("stress", help="stress-test the base plan against every scenario; size reserves")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("-o", "--output", metavar="OUTPUT.xlsx",
                   help="where to write the results (default outputs/<input name>-stress.xlsx)")
    p.add_argument("--reserve-days", type=_days_list, metavar="D1,D2,...",
                   help="also rerun the base plan and every stress test with every reserve target set to each "
                        "number of days of demand, e.g. 0,30,60,90,120")
    _where(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")

    p = sub.add_parser("sweep", help="risk sweep: stress-test the base plan against sampled disruptions")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("--samples", type=_positive_int, required=True, metavar="N", help="number of samples")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="K",
                       help="local worker processes (default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (needs dask[distributed])")
    p.add_argument("-o", "--output", metavar="OUTPUT.xlsx",
                   help="where to write the results (default outputs/<input name>-sweep.xlsx)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")

    p = sub.add_parser("hedge", help="choose one set of builds for the base and every scenario, by probability")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("--samples", type=_positive_int, metavar="N",
                   help="hedge against N samples of sheet risks (each 1/N, drawn as planner sweep draws them) "
                        "instead of sheet scenarios")
    p.add_argument("--seed", type=int, metavar="S", help="with --samples: random seed (default 1)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--extensive", dest="method", action="store_const", const="extensive",
                     help="solve every scenario in one program (the default for a small hedge)")
    how.add_argument("--decompose", dest="method", action="store_const", const="decompose",
                     help="solve by decomposition, a master over the builds and purchases and one program per "
                          "scenario (the default above 30 scenarios, or where all-or-nothing projects would "
                          "make the one program a large mixed-integer one)")
    p.add_argument("-o", "--output", metavar="OUTPUT.xlsx",
                   help="where to write the results (default outputs/<input name>-hedge.xlsx)")
    _where(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")

    p = sub.add_parser("template", help="write an empty input workbook with every sheet and column")
    p.add_argument("output", metavar="OUTPUT.xlsx")

    p = sub.add_parser("export", help="write the base plan's model (or a scenario's) as an LP or MPS file, "
                                      "for another solver",
                       description="Write the base plan's model (or a scenario's) as an LP or MPS file, for another "
                                   "solver. Names are family_key... (e.g. flow_lithium_AUS_CHN_2026), at most 100 "
                                   "characters: a longer one keeps its start and ends in a hash of the whole. "
                                   "MODEL.names.csv, written beside the file, maps every name in it to its family "
                                   "and key (columns kind, name, family, key).")
    p.add_argument("input", metavar="INPUT.xlsx")
    p.add_argument("output", metavar="MODEL.lp|MODEL.mps",
                   help="the file to write; .mps writes MPS, else LP; its names go to MODEL.names.csv beside it")
    p.add_argument("--scenario", metavar="NAME", help="the model with this scenario's numbers (default base)")

    p = sub.add_parser("brief", help="one offline HTML page from a plan: the answer in words, where each mineral "
                                     "flows, prices, stock and projects",
                       description="Write one self-contained HTML page (inline CSS and SVG, nothing fetched) from a "
                                   "plan workbook that planner solve wrote: what the plan costs, what each scenario "
                                   "does, a flow diagram per mineral for the base plan and one scenario, prices, the "
                                   "stock bought and the projects backed.")
    p.add_argument("plan", metavar="PLAN.xlsx", help="a plan workbook written by planner solve")
    p.add_argument("-o", "--output", metavar="BRIEF.html",
                   help="where to write the page (default: the plan's path with -brief.html instead of .xlsx)")
    p.add_argument("--scenario", metavar="NAME",
                   help="the scenario drawn beside the base plan (default: the costliest to the world, "
                        "by its change in economic cost)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing when the page is written")
    return parser


def _step(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1 (exclusive), got {text}")
    return value


def _numbers(text: str, what: str, short: str, example: str) -> list[float]:
    """Comma-separated numbers >= 0, sorted and without repeats; an argparse error names ``what`` otherwise."""
    try:
        values = [float(x) for x in text.replace(";", ",").split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated {what}, e.g. {example}; got {text!r}") from None
    if not values or any(v < 0 or v != v or v == float("inf") for v in values):
        raise argparse.ArgumentTypeError(f"expected {short} >= 0, e.g. {example}; got {text!r}")
    return sorted(set(values))


def _days_list(text: str) -> list[float]:
    return _numbers(text, "numbers of days", "days", "0,30,60")


def _money_list(text: str) -> list[float]:
    return _numbers(text, "amounts of money", "amounts", "0,4e9,8e9")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _COMMANDS[args.command](args)
    except InputError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        name = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"error: cannot write or read{name}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not bad input: say so plainly
        if os.environ.get("PLANNER_DEBUG"):
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc}\nThis is a bug in the planner; please report it "
              "with the input workbook (set PLANNER_DEBUG=1 for details).", file=sys.stderr)
        return EXIT_INTERNAL


def _progress(args):
    from planner.progress import Progress

    return Progress(quiet=args.quiet)


def _output(args, command: str):
    from planner.pipeline import default_output

    return args.output or default_output(args.input, command)


def _scenarios(n: int) -> str:
    """``base and 3 scenarios``: every command counts scenarios the same way."""
    return f"base and {n} scenario{'s' if n != 1 else ''}"


def _solve(args) -> int:
    from planner import api

    run = api.solve(args.input, _output(args, "solve"), explain=not args.no_explain, workers=args.workers,
                    scheduler=args.scheduler, joint=args.joint, progress=_progress(args))
    base = run.tables["scenarios"].iloc[0]
    if not args.quiet or not run.ok:
        stream = sys.stdout if run.ok else sys.stderr
        cost = money_text(base["total_cost"], run.data.settings.get("currency") or "")
        print(f"{'Optimal' if run.ok else 'NOT OPTIMAL'}: base total cost {cost}; "
              f"{_scenarios(len(run.data.scenarios))}; plan written to "
              f"{run.report.output_path}", file=stream)
        for failure in run.outcome.failures:
            print(f"  {failure}", file=sys.stderr)
    short = dict(run.outcome.summary).get("minerals_short")
    if short:
        from planner.report.sheets import short_text

        print(f"warning: the base plan leaves more than 1% of demand unserved: {short_text(short)}", file=sys.stderr)
    return EXIT_OK if run.ok else EXIT_NOT_OPTIMAL


def _validate(args) -> int:
    from planner import api

    data = api.validate(args.input)  # the cells, then the numbers the solver would change; warnings on stderr
    if not args.quiet:
        print(f"{args.input} is valid: {len(data.minerals)} minerals, {len(data.countries)} countries, "
              f"{len(data.periods)} periods, {_scenarios(len(data.scenarios))}.")
    return EXIT_OK


def _frontier(args) -> int:
    from planner import api

    if args.budget is not None or args.amounts is not None:
        return _budget_frontier(args)
    stages = ("supply", "refining") if args.stage == "both" else (args.stage,)
    run = api.frontier(args.input, _output(args, "frontier"), minerals=args.mineral, stages=stages, scope=args.scope,
                       step=args.step, workers=args.workers, scheduler=args.scheduler, joint=args.joint,
                       progress=_progress(args))
    if not args.quiet:
        print(f"{len(run.tables['frontier'])} steps solved; curve written to {run.report.output_path}")
    return EXIT_OK if run.ok else EXIT_NOT_OPTIMAL


def _budget_frontier(args) -> int:
    from planner import api
    from planner.errors import UsageError

    if args.budget is None or args.amounts is None:
        raise UsageError("--budget and --amounts go together: planner frontier INPUT.xlsx --budget NAME "
                         "--amounts A,B,...")
    run = api.budget_frontier(args.input, _output(args, "budget_frontier"), budget=args.budget, amounts=args.amounts,
                              workers=args.workers, scheduler=args.scheduler, joint=args.joint,
                              progress=_progress(args))
    if not args.quiet:
        print(f"{len(run.tables['budget_frontier'])} amounts of budget {args.budget} solved; curve written to "
              f"{run.report.output_path}")
    return EXIT_OK if run.ok else EXIT_NOT_OPTIMAL


def _stress(args) -> int:
    from planner import api

    run = api.stress(args.input, _output(args, "stress"), reserve_days=args.reserve_days, workers=args.workers,
                     scheduler=args.scheduler, joint=args.joint, progress=_progress(args))
    if not args.quiet:
        print(f"base plan and {len(run.tables['stress'])} stress test(s) solved; results written to "
              f"{run.report.output_path}")
    return EXIT_OK if run.ok else EXIT_NOT_OPTIMAL


def _sweep(args) -> int:
    from planner import api

    run = api.sweep(args.input, _output(args, "sweep"), samples=args.samples, seed=args.seed, workers=args.workers,
                    scheduler=args.scheduler, progress=_progress(args))
    summary = dict(run.outcome.summary)
    partial = run.outcome.partial is not None
    if not args.quiet or partial:
        print(f"{summary.get('samples_solved', 0)} of {args.samples} samples solved ({summary.get('workers', '-')}); "
              f"results written to {run.report.output_path}" + (" (partial: interrupted)" if partial else ""),
              file=sys.stderr if partial else sys.stdout)
    if partial:
        return EXIT_INTERRUPTED
    return EXIT_OK if run.ok else EXIT_NOT_OPTIMAL


def _hedge(args) -> int:
    from planner import api
    from planner.errors import UsageError

    if args.seed is not None and args.samples is None:
        raise UsageError("--seed goes with --samples: planner hedge INPUT.xlsx --samples N [--seed S]")
    seed = 1 if args.seed is None else args.seed
    run = api.hedge(args.input, _output(args, "hedge"), samples=args.samples, seed=seed, workers=args.workers,
                    scheduler=args.scheduler, joint=args.joint, method=args.method, progress=_progress(args))
    summary = dict(run.outcome.summary)
    if not args.quiet or not run.ok:
        currency = run.data.settings.get("currency") or ""
        against = f" against {args.samples} samples of sheet risks (seed {seed})" if args.samples else ""
        print(f"{'Optimal' if run.ok else 'NOT OPTIMAL'}{against}: expected cost "
              f"{money_text(summary.get('expected_cost'), currency)}; value of hedging "
              f"{money_text(summary.get('value_of_hedging', 0), currency)}; "
              f"backed: {summary.get('projects_backed', '-')}; results written to {run.report.output_path}",
              file=sys.stdout if run.ok else sys.stderr)
        for failure in run.outcome.failures:
            print(f"  {failure}", file=sys.stderr)
    return EXIT_OK if run.ok else EXIT_NOT_OPTIMAL


def _template(args) -> int:
    from pathlib import Path

    from planner import api
    from planner.errors import UsageError

    if Path(args.output).suffix.lower() != ".xlsx":
        raise UsageError(f"output {args.output} must end in .xlsx")
    api.template(args.output)
    print(f"template written to {args.output}")
    return EXIT_OK


def _export(args) -> int:
    from pathlib import Path

    from planner import api
    from planner.errors import UsageError

    if Path(args.output).suffix.lower() not in (".lp", ".mps"):
        raise UsageError(f"output {args.output} must end in .lp or .mps")
    path = api.export(args.input, args.output, scenario=args.scenario)
    print(f"model written to {path}; its names mapped to the model's families and keys in {api.names_path(path)}")
    return EXIT_OK


def _brief(args) -> int:
    from planner.report.brief import write_brief

    path = write_brief(args.plan, args.output, scenario=args.scenario)
    if not args.quiet:
        print(f"brief written to {path}")
    return EXIT_OK


_COMMANDS = {"solve": _solve, "validate": _validate, "template": _template, "frontier": _frontier,
             "stress": _stress, "sweep": _sweep, "hedge": _hedge, "export": _export, "brief": _brief}
