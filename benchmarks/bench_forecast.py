"""The forecasting benchmark that decides RNNForecaster's defaults.

Classical forecasters and ``RNNForecaster()`` with every default, scored as
the M4 competition scores (``forecast_metrics``: sMAPE, MASE per series, then
the mean and median over series and the fraction of series where a method
beats naive), on three groups, each in one run:

- M1 yearly (181 series, horizon 6; aeon's copy of the competition data);
- the airline split: Box & Jenkins' passengers, train 1949-01..1957-12,
  forecast 1958-01..1960-12 (36 months; MAE, RMSE, MASE with m=12, sMAPE);
- with ``--heldout``: CO2, sunspots, Nile, lynx and shampoo sales (statsmodels
  and sktime), data on which no default was chosen.

The rows (``forecast_methods.METHODS``): naive (seasonal naive for monthly
data), ETS chosen by AICc, Theta, the airline SARIMA (seasonal data only), a
ridge on the pooled lag windows of all the group's series, the default RNN
per series, and the RNN fitted on all series at once (reports its error
until ``RNNForecaster.fit`` takes a dict of series). A last table gives the
empirical coverage of ``RNNForecaster(calibration_size=...)``'s conformal
intervals at 80% and 95% (``forecast_metrics.interval_coverage``).

    python benchmarks/bench_forecast.py                  # M1 + airline, every method
    python benchmarks/bench_forecast.py --heldout        # and the held-out series
    python benchmarks/bench_forecast.py --fast           # first 30 M1 series (smoke run)
    python benchmarks/bench_forecast.py --methods naive,ets,rnn --no-intervals

Everything runs in one process with one BLAS thread. The tables are printed
and, unless ``--fast``, written to ``benchmarks/results/bench_forecast.md``.
"""

import argparse
import datetime
import json
import math
import os
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import forecast_data  # noqa: E402
import forecast_methods as fm  # noqa: E402
import forecast_metrics as metrics  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
COVERAGES = (0.8, 0.95)


# ----------------------------------------------------------------- scoring
def run_method(name, group):
    """Fit and forecast one method on a group: a row dict with the wall
    seconds, the forecasts, the notes; ``None`` if it does not apply."""
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fm.METHODS[name](group.train, group.horizon, group.period)
    except fm.NotApplicable:
        return None
    except Exception as err:  # a row that cannot run reports why
        return {"method": name, "error": f"{type(err).__name__}: {err}"[:160]}
    seconds = time.perf_counter() - start
    values, notes = (out.values, out.notes) if isinstance(out, fm.Forecasts) else (out, {})
    values = np.asarray(values, float).reshape(len(group.train), group.horizon)
    return {"method": name, "seconds": seconds, "forecasts": values, "notes": notes}


def score_row(row, group):
    """Add per-series sMAPE, MASE, MAE and RMSE to a row of ``run_method``."""
    scales = [metrics.mase_scale(y, group.period) for y in group.train]
    pairs = list(zip(group.test, row["forecasts"]))
    row["smape"] = np.array([metrics.smape(y, f) for y, f in pairs])
    row["mase"] = np.array([metrics.mase(y, f, s) for (y, f), s in zip(pairs, scales)])
    row["mae"] = np.array([metrics.mae(y, f) for y, f in pairs])
    row["rmse"] = np.array([metrics.rmse(y, f) for y, f in pairs])
    row["series"] = [str(y.name) for y in group.train]
    return row


def run_group(group, names):
    """The scored rows of the ``names`` methods on a group (naive always:
    the reference of "beats naive"), in the order given."""
    rows = {}
    for name in dict.fromkeys(["naive", *names]):
        row = run_method(name, group)
        if row is not None:
            rows[name] = score_row(row, group) if "error" not in row else row
        took = "" if row is None else f" {row.get('seconds', 0):.1f} s"
        print(f"  {group.name}: {name}{took}", flush=True)
    return [rows[n] for n in names if n in rows], rows["naive"]


# ------------------------------------------------------------------ tables
def _notes_text(notes, n_series):
    """Notes as "note (count)" (just "note" for a one-series group), the
    ETS forms chosen gathered in one entry."""
    chosen = {k[len("chose ") :]: len(v) for k, v in notes.items() if k.startswith("chose ")}
    other = {k: v for k, v in notes.items() if not k.startswith("chose ")}
    parts = [k if n_series == 1 else f"{k} ({len(v)})" for k, v in other.items()]
    if chosen:
        forms = sorted(chosen.items(), key=lambda kv: -kv[1])
        parts.append("chose " + ", ".join(k if n_series == 1 else f"{k} {c}" for k, c in forms))
    return "; ".join(parts)


def _error_line(row, n_cells):
    return f"| {row['method']} |" + " -- |" * n_cells + f" {row['error']} |"


def panel_table(group, rows, naive_row):
    """M4-style summary of a many-series group; OWA is the M4 overall
    weighted average relative to naive (for yearly data M4's Naive2 is
    naive)."""
    lines = [
        "| method | sMAPE mean | sMAPE median | MASE mean | MASE median | OWA "
        "| beats naive | s total | s/series | notes |",
        "| --- |" + " ---: |" * 8 + " --- |",
    ]
    ref = metrics.summary(naive_row["smape"], naive_row["mase"], naive_row["mase"])
    for row in rows:
        if "error" in row:
            lines.append(_error_line(row, 8))
            continue
        s = metrics.summary(row["smape"], row["mase"], naive_row["mase"])
        owa = 0.5 * (s["smape_mean"] / ref["smape_mean"] + s["mase_mean"] / ref["mase_mean"])
        beats = f"{s['beats_naive']:.0%}" + (
            f" (ties {s['ties_naive']:.0%})" if s["ties_naive"] else ""
        )
        lines.append(
            f"| {row['method']} | {s['smape_mean']:.2f} | {s['smape_median']:.2f} "
            f"| {s['mase_mean']:.3f} | {s['mase_median']:.3f} | {owa:.3f} | {beats} "
            f"| {row['seconds']:.1f} | {row['seconds'] / len(group.train):.2f} "
            f"| {_notes_text(row['notes'], len(group.train))} |"
        )
    return "\n".join(lines)


def single_table(rows):
    """One series: MAE, RMSE, MASE, sMAPE and seconds per method."""
    lines = [
        "| method | MAE | RMSE | MASE | sMAPE | s | notes |",
        "| --- |" + " ---: |" * 5 + " --- |",
    ]
    for row in rows:
        if "error" in row:
            lines.append(_error_line(row, 5))
            continue
        lines.append(
            f"| {row['method']} | {row['mae'][0]:.2f} | {row['rmse'][0]:.2f} "
            f"| {row['mase'][0]:.3f} | {row['smape'][0]:.2f} | {row['seconds']:.2f} "
            f"| {_notes_text(row['notes'], 1)} |"
        )
    return "\n".join(lines)


def heldout_table(groups, results, names):
    """Held-out series side by side: "MASE (sMAPE)" per series, the mean
    MASE over the series a method ran on, and its total seconds."""
    head = "| method | " + " | ".join(f"{g.name} (h={g.horizon})" for g in groups)
    lines = [head + " | mean MASE | s total |", "| --- |" + " ---: |" * (len(groups) + 2)]
    for name in names:
        cells, mases, seconds = [], [], 0.0
        for g in groups:
            row = next((r for r in results[g.name][0] if r["method"] == name), None)
            if row is None or "error" in row:
                cells.append("--" if row is None else "error")
                continue
            mases.append(row["mase"][0])
            seconds += row["seconds"]
            cells.append(f"{row['mase'][0]:.2f} ({row['smape'][0]:.1f})")
        if mases:
            mean = f"{np.mean(mases):.3f}" + ("" if len(mases) == len(groups) else "*")
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {mean} | {seconds:.1f} |")
    lines += ["", "\\* mean over the series the method applies to (SARIMA: seasonal ones).", ""]
    return "\n".join(lines + _heldout_notes(groups, results, names))


def _heldout_notes(groups, results, names):
    """One line per method: its notes and errors on each held-out series."""
    lines = []
    for name in names:
        parts = []
        for g in groups:
            row = next((r for r in results[g.name][0] if r["method"] == name), None)
            text = "" if row is None else row.get("error") or _notes_text(row["notes"], 1)
            if text:
                parts.append(f"{g.name}: {text}")
        texts = {p.split(": ", 1)[1] for p in parts}
        if len(parts) == len(groups) and len(texts) == 1:
            parts = [f"every series: {texts.pop()}"]
        if parts:
            lines.append(f"- {name}: " + "; ".join(parts))
    return lines


# --------------------------------------------------------------- intervals
def errors_needed(coverage):
    """Fewest calibration errors for which the conformal rank
    ceil((n + 1) * coverage) is at most n (4 at 80%, 19 at 95%)."""
    return next(n for n in range(1, 10**6) if math.ceil((n + 1) * coverage - 1e-9) <= n)


def calibration_size_for(horizon, coverage):
    """Periods to hold out so that the calibration copy makes enough
    ``horizon``-step errors: step s gets ``calibration_size - s + 1``."""
    return horizon - 1 + errors_needed(coverage)


def rnn_interval_one(y, horizon, coverage, size, seed):
    """``(lower, upper)`` of the default RNN with ``calibration_size=size``
    on one series, or None where the series is too short for it."""
    from skrnn.forecasting import RNNForecaster

    fm.seed_global(seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecaster = RNNForecaster(calibration_size=size).fit(y)
            band = forecaster.predict_interval(horizon, coverage=coverage)
    except ValueError:
        return None
    return band["lower"].to_numpy(), band["upper"].to_numpy()


def interval_row(group, coverage):
    """Empirical coverage of the default RNN's conformal intervals pooled
    over the group's series long enough for them, and the mean width over
    each series' MASE scale (comparable across series)."""
    size = calibration_size_for(group.horizon, coverage)
    start, lo, hi, truth, widths = time.perf_counter(), [], [], [], []
    for i, (y, test) in enumerate(zip(group.train, group.test)):
        band = rnn_interval_one(y, group.horizon, coverage, size, fm.SEED + i)
        if band is None:
            continue
        lo.append(band[0]), hi.append(band[1]), truth.append(test)
        width = metrics.interval_coverage(band[0], band[1], test)[1]
        widths.append(width / metrics.mase_scale(y, group.period))
    row = dict(group=group.name, n_series=len(group.train), coverage=coverage, size=size)
    row["used"] = len(lo)
    row.update(skipped=len(group.train) - len(lo), seconds=time.perf_counter() - start)
    if lo:
        row["empirical"], row["width"] = metrics.interval_coverage(lo, hi, truth)
        row["scaled_width"] = float(np.mean(widths))
    return row


def interval_table(rows):
    lines = [
        "| group | nominal | calibration_size | series (skipped: too short) | coverage "
        "| mean width | width / MASE scale | s |",
        "| --- |" + " ---: |" * 7,
    ]
    for r in rows:
        scored = "empirical" in r
        cover = f"{r['empirical']:.1%}" if scored else "--"
        width = f"{r['width']:.4g}" if scored and r["n_series"] == 1 else "--"
        scaled = f"{r['scaled_width']:.2f}" if scored else "--"
        lines.append(
            f"| {r['group']} | {r['coverage']:.0%} | {r['size']} | {r['used']} ({r['skipped']}) "
            f"| {cover} | {width} | {scaled} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines)


# -------------------------------------------------------------------- main
def environment_lines():
    import pandas
    import sklearn
    import statsmodels

    import skrnn
    from skrnn import RNNRegressor
    from skrnn.forecasting import RNNForecaster

    versions = (
        f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pandas.__version__}"
    )
    versions += f", scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}"
    versions += f", skrnn {skrnn.__version__}"
    keys = ("window", "strategy", "differentiation", "standardize", "calibration_size")
    f = {k: v for k, v in RNNForecaster().get_params(deep=False).items() if k in keys}
    keys = ("cell", "hidden_size", "pooling", "solver", "max_iter", "batch_size", "standardize")
    r = {k: v for k, v in RNNRegressor().get_params().items() if k in keys}
    return [versions, f"RNNForecaster() defaults: {f}", f"RNNRegressor() defaults: {r}"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--methods",
        default=",".join(fm.METHODS),
        help="comma-separated rows from: " + ", ".join(fm.METHODS),
    )
    parser.add_argument("--fast", action="store_true", help="the first 30 M1 series only")
    parser.add_argument("--heldout", action="store_true", help="also the held-out series")
    parser.add_argument("--no-intervals", action="store_true", help="skip the coverage table")
    parser.add_argument("--seed", type=int, default=0, help="base of the RNN fits' NumPy seed")
    parser.add_argument(
        "--output", help="markdown file (default: results/bench_forecast.md, not with --fast)"
    )
    parser.add_argument("--json", help="also write every per-series score to this file")
    args = parser.parse_args(argv)
    args.methods = args.methods.split(",")
    unknown = [m for m in args.methods if m not in fm.METHODS]
    if unknown:
        parser.error(f"unknown methods {unknown}")
    if args.output is None and not args.fast:
        args.output = os.path.join(RESULTS, "bench_forecast.md")
    return args


def run_all(args):
    """Every group's rows and the interval rows, as markdown sections."""
    m1 = forecast_data.load_m1_yearly(30 if args.fast else None)
    airline = forecast_data.load_airline_split()
    heldout = forecast_data.load_heldout() if args.heldout else []
    results = {g.name: run_group(g, args.methods) for g in [m1, airline, *heldout]}
    sections = [
        (
            f"M1 yearly ({len(m1.train)} series, horizon {m1.horizon})",
            panel_table(m1, *results[m1.name]),
        ),
        (
            "Airline (train to 1957-12, forecast 1958-01..1960-12, MASE m=12)",
            single_table(results[airline.name][0]),
        ),
    ]
    if heldout:
        sections.append(
            ("Held-out series: MASE (sMAPE)", heldout_table(heldout, results, args.methods))
        )
    if not args.no_intervals:
        rows = [interval_row(g, c) for g in [m1, airline, *heldout] for c in COVERAGES]
        sections.append(
            ("Conformal intervals of RNNForecaster(calibration_size=...)", interval_table(rows))
        )
    return sections, results


def _dump_json(path, results):
    """Every per-series score of every row (or the row's error)."""
    records = []
    for group, (rows, _) in results.items():
        for row in rows:
            if "error" in row:
                records.append({"group": group, "method": row["method"], "error": row["error"]})
                continue
            for i, name in enumerate(row["series"]):
                scores = {k: float(row[k][i]) for k in ("smape", "mase", "mae", "rmse")}
                records.append({"group": group, "method": row["method"], "series": name, **scores})
    with open(path, "w") as f:
        json.dump(records, f, indent=1)


def main(argv=None):
    args = parse_args(argv)
    fm.SEED = args.seed
    start = time.perf_counter()
    env = environment_lines()
    print("\n".join(env), flush=True)
    with threadpool_limits(1):
        sections, results = run_all(args)
    minutes = (time.perf_counter() - start) / 60
    command = "python benchmarks/bench_forecast.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    head = [
        "# bench_forecast.py",
        "",
        f"`{command.strip()}`: {minutes:.1f} min on {datetime.date.today()}, one BLAS thread.",
        "",
        *(f"- {line}" for line in env),
    ]
    text = "\n".join(head + [f"\n## {title}\n\n{table}" for title, table in sections]) + "\n"
    print(text, flush=True)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    if args.json:
        _dump_json(args.json, results)


if __name__ == "__main__":
    main()
