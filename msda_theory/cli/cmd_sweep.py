"""``msda-theory sweep``: strategies x seeds (x data sets) as independent jobs, then one results table.

    msda-theory sweep --data fashion-mnist --model cnn --strategies none,mixup,cutmix,hmix:r=0.25,gmix \\
        --seeds 0,1,2 --epochs 5 --out runs/sweep [--jobs 4] [--subset 10000]

Writes OUT/<data>-<hash>/<strategy>/seed<k>/{checkpoint.pt,metrics.json} per job
and OUT/results.json + OUT/results.md (mean and 95% t-interval over seeds per
strategy). On a re-run, jobs finished with the same config and data are
skipped, interrupted ones resume, finished jobs of another config are refused
(``--overwrite``: replaced) and unfinished ones of another config or data are
trained afresh (``--no-rerun``: refused). Repeated strategies or seeds are
dropped with a warning.

Jobs run through joblib: local processes by default (``--jobs N``). On a
cluster: ``--backend dask --scheduler tcp://HOST:8786`` (needs ``dask
distributed``; the same as ``with joblib.parallel_backend("dask"): ...``
around ``msda_theory.train.run_sweep``) or ``--backend ray --scheduler auto``
(needs ``ray``). OUT must be on storage the workers share.
"""
from __future__ import annotations

import argparse

from msda_theory import masks
from msda_theory.cli._common import data_names, output_folder
from msda_theory.cli._model_source import factory_for_fit, model_spec
from msda_theory.cli.cmd_train import (
    add_config_arguments, add_threads_argument, apply_threads, config_from_args, int_list, mention_user_objects,
    str_list,
)
from msda_theory.train.sweep import BACKENDS, connect_backend, markdown_table, run_sweep

NAME = "sweep"
HELP = "train strategies x seeds (x data sets) as joblib jobs (local, dask or ray) and write a results table"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """TrainConfig options plus --data LIST, --strategies LIST, --seeds LIST, --out, --jobs, --backend, --scheduler."""
    parser.epilog = ("cluster: --backend dask --scheduler tcp://HOST:8786 runs the jobs on a dask.distributed "
                     "cluster (in Python: with joblib.parallel_backend('dask'): run_sweep(...)); --backend ray "
                     "--scheduler auto on Ray. OUT must be on storage shared by the workers.")
    add_config_arguments(parser, skip=("data", "strategy", "seed"))
    mention_user_objects(parser)  # --model only: the sweep's --data is a list of names
    parser.add_argument("--data", type=str_list, default=["digits"],
                        help=f"comma-separated data set names: {data_names()} (default digits)")
    default = ["none", *masks.PAPER_FAMILIES]
    parser.add_argument("--strategies", type=masks.split_specs, default=default,
                        help=f"comma-separated strategy specs, e.g. none,mixup,hmix:alpha=2,r=0.25 (names: "
                             f"{', '.join(masks.strategies())}; default {','.join(default)})")
    parser.add_argument("--seeds", type=int_list, default=(0, 1, 2), help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--out", required=True, help="sweep folder")
    parser.add_argument("--no-rerun", action="store_true",
                        help="refuse (instead of retraining) unfinished job folders holding a run of another config "
                             "or data")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace job folders holding a finished run of another config (refused by default)")
    parser.add_argument("--jobs", type=int, default=1, help="parallel jobs (-1: all cores; default 1)")
    parser.add_argument("--backend", choices=BACKENDS, default=None,
                        help="joblib backend: loky (local processes, the default), threading, multiprocessing, "
                             "dask (with --scheduler ADDRESS of a dask.distributed scheduler) or ray")
    parser.add_argument("--scheduler", default=None,
                        help="dask scheduler address (tcp://host:8786) or ray address (auto); default: a local cluster")
    add_threads_argument(parser)  # this process (--jobs 1); joblib caps worker threads at cores / jobs


def run(args: argparse.Namespace) -> int:
    """Run the sweep, print the table, return 0."""
    for flag, values in (("--data", args.data), ("--strategies", args.strategies), ("--seeds", args.seeds)):
        if not values:
            raise ValueError(f"{flag} must name at least one item")
    spec = model_spec(getattr(args, "model", None))
    base = config_from_args(args, data=args.data[0], **({"model": "factory:" + spec} if spec is not None else {}))
    out = output_folder(args.out)
    apply_threads(args.threads)
    backend = connect_backend(args.backend, args.scheduler)
    result = run_sweep(base, args.strategies, list(args.seeds), out_dir=out, datasets=args.data,
                       jobs=args.jobs, backend=backend, rerun=not args.no_rerun, overwrite=args.overwrite,
                       progress=not args.quiet, model=None if spec is None else factory_for_fit(spec))
    print(markdown_table(result["rows"]), end="")
    print(f"ran {len(result['ran'])} job(s), reran {len(result['rerun'])} of another config or data, "
          f"skipped {len(result['skipped'])} finished; wrote {out}/results.json and {out}/results.md")
    return 0
