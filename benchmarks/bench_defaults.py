"""How each training default was chosen: one change at a time, on the panel.

Every variant is skrnn's defaults (``bench_accuracy.default_model``) with one
group of parameters changed, fitted on the train split of each set of the
development panel and scored on its test split (accuracy, or R^2 for
regression), beside the defaults themselves. A default is kept when no
variant beats it across the panel; the table (and the JSON with ``--json``)
is the evidence the user guide (doc/user_guide/defaults.rst) cites.

    python benchmarks/bench_defaults.py                        # every variant
    python benchmarks/bench_defaults.py --variants defaults,lstm --sets trace,unittest
    python benchmarks/bench_defaults.py --n-jobs 2 --json defaults.json
    python benchmarks/bench_defaults.py --seeds 0,1,2   # mean of three seeds

With ``--seeds``, each cell is the mean test score over the seeds (the
estimator's ``random_state``: initial weights, minibatch order), followed by
the range: one seed's figure on a small set moves by several test sequences
from seed to seed, which is larger than most differences between variants.

Fits run in ``--n-jobs`` processes with one BLAS thread each (the numbers do
not depend on the thread count beyond rounding); fit seconds are wall time
per fit in that setting.
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_accuracy  # noqa: E402

#: name -> parameters changed from the defaults (the old column is MLP's
#: training setup: one Adam step per epoch on small sets, constant rate)
VARIANTS = {
    "defaults": {},
    "mlp_training": dict(
        batch_size=200, learning_rate="constant", learning_rate_init=0.001, max_grad_norm=None
    ),
    "batch_32": dict(batch_size=32),
    "lr_0.001": dict(learning_rate_init=0.001),
    "lr_0.01": dict(learning_rate_init=0.01),
    "lr_constant": dict(learning_rate="constant"),
    "no_clipping": dict(max_grad_norm=None),
    "init_uniform": dict(init="uniform"),
    "init_orthogonal": dict(init="orthogonal"),
    "cell_rnn": dict(cell="rnn"),
    "cell_lstm": dict(cell="lstm"),
    "cell_gru": dict(cell="gru"),
    "pool_last": dict(pooling="last"),
    "pool_mean": dict(pooling="mean"),
    "pool_max": dict(pooling="max"),
    "pool_attention": dict(pooling="attention"),
    "no_patches": dict(patch_size=None),
    "max_iter_500": dict(max_iter=500),
    "hidden_16": dict(hidden_size=16),
    "hidden_64": dict(hidden_size=64),
    "alpha_0.01": dict(alpha=0.01),
    "alpha_0.1": dict(alpha=0.1),
    "alpha_1": dict(alpha=1.0),
    "early_stopping": dict(early_stopping=True),
    "early_stopping_0.2": dict(early_stopping=True, validation_fraction=0.2),
    "no_standardize": dict(standardize=False),
    "standardize_global": dict(standardize="global"),
    "standardize_sequence": dict(standardize="sequence"),
    "hidden_32": dict(hidden_size=32),
}


def _model(task, params, seed):
    model = bench_accuracy.default_model(task)
    model.steps[-1][1].set_params(random_state=seed, **params)
    return model


def _run(variant, params, data, seed):
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = bench_accuracy.fit_and_score(_model(data.task, params, seed), data)
    result["variant"], result["seed"] = variant, seed
    return result


def _table(results, variants, sets):
    by = {}
    for r in results:
        by.setdefault((r["variant"], r["set"]), []).append(r)
    lines = [
        "| variant | " + " | ".join(sets) + " | mean |",
        "| --- |" + " --- |" * (len(sets) + 1),
    ]
    for v in variants:
        cells, scores = [], []
        for s in sets:
            runs = by.get((v, s))
            if not runs:
                cells.append("--")
                continue
            score = np.mean([r["score"] for r in runs])
            seconds = np.mean([r["fit_seconds"] for r in runs])
            scores.append(score)
            spread = (
                f" [{min(r['score'] for r in runs):.2f}, {max(r['score'] for r in runs):.2f}]"
                if len(runs) > 1
                else ""
            )
            cells.append(
                f"{score:.3f}{spread} ({seconds:.0f}s"
                + (f", {runs[0]['n_iter']} ep" if len(runs) == 1 and "n_iter" in runs[0] else "")
                + ")"
            )
        mean = f"{np.mean(scores):.3f}" if len(scores) == len(sets) else "--"
        lines.append(f"| {v} | " + " | ".join(cells) + f" | {mean} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated names from: " + ", ".join(VARIANTS),
    )
    parser.add_argument("--sets", default=",".join(bench_accuracy.DEFAULT_SETS))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--seeds", default="0", help="comma-separated random_state values; cells are their mean"
    )
    parser.add_argument("--json", help="write every result to this file")
    args = parser.parse_args(argv)
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}")
    panel = bench_accuracy.load_panel(args.sets.split(","))
    print("\n".join(bench_accuracy.environment_lines()), flush=True)
    # longest fits first, so that the two workers finish together
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = [(v, VARIANTS[v], d, seed) for d in panel for v in variants for seed in seeds]
    results = Parallel(n_jobs=args.n_jobs, verbose=5)(delayed(_run)(*t) for t in tasks)
    print(_table(results, variants, [d.name for d in panel]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
