"""Benchmark the crisis-language detector: how often it is right, and how fast, against a naive baseline.

Test sets are JSON lines {"text", "lang": "en"|"es", "label": "crisis"|"third_party"|"none",
"category": ...}: crisis categories ideation, intent, plan, means, self_harm, imminent, abuse;
third_party; and for label none, idiom, negation, past, recovery, everyday, media. Each file is
scored on its own (default: tests/data/crisis/dev.jsonl, then holdout.jsonl and holdout2.jsonl if
present).

For the detector (`service.adapters.crisis_files.load_detector()`, the shipped lexicon) and, in the
same run, a naive baseline (a plain list of obvious words -- "suicide", "kill myself", "die",
"matarme", "morir"... -- matched as substrings of the lower-cased text, no normalising, negation
or idioms), it prints:

- per category and per language: for crisis and third-party texts the share flagged (recall),
  for label none the share left alone (1 - false alarms); the detector's figure as a ratio to
  the baseline's;
- overall and per language: recall, precision, F1, false-alarm rate;
- the detector's precision per category it reports (of the texts given that reason, how many are
  a crisis at all, and how many have that very category), and how often a crisis text gets a
  reason of its own category (third_party texts: a third_party reason and no other);
- scan time per text (µs, mean and p99 over --repeat passes), detector vs baseline.

    .venv/bin/python bench/crisis_detector.py [--cases PATH ...] [--repeat 5] [--show-misses]

`--show-misses` prints the texts the detector gets wrong, to tune the lexicon on a development set.
It refuses to print any file named holdout3*: the blind set is an honest measure only as long as
nobody reads its texts or tunes to them. (dev, holdout and holdout2 have all been tuned on: their
figures show the lexicon still covers what it covered, not how well it generalises.)
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere: `service` is importable from the checkout

from service.adapters.crisis_files import load_detector  # noqa: E402
from service.core.crisis import CATEGORIES  # noqa: E402

DATA = ROOT / "tests" / "data" / "crisis"
DEFAULT_CASES = (DATA / "dev.jsonl", DATA / "holdout.jsonl", DATA / "holdout2.jsonl")
POSITIVE = ("crisis", "third_party")
BLIND_PREFIX = "holdout3"  # the blind test set: scored, never printed
NONE_CATEGORIES = ("idiom", "negation", "past", "recovery", "everyday", "media")
BASELINE_WORDS = (
    "suicide", "suicidal", "kill myself", "killing myself", "end my life", "end it all", "die",
    "dying", "dead", "overdose", "cut myself", "cutting myself", "hurt myself", "pills", "hits me",
    "hit me", "rape", "abuse", "goodbye", "matarme", "morir", "muerte", "suicid", "quitarme la vida",
    "cortarme", "pastillas", "me pega", "violó", "abuso", "adiós",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    text: str
    lang: str
    label: str
    category: str


def read_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        try:
            cases.append(Case(data["text"], data["lang"], data["label"], data["category"]))
        except KeyError as missing:
            raise SystemExit(f"{path}:{number}: missing {missing}") from None
    return cases


def baseline(text: str) -> tuple[str, ...]:
    """Flagged when any obvious word is a substring of the lower-cased text."""
    lowered = text.lower()
    return ("crisis",) if any(word in lowered for word in BASELINE_WORDS) else ()


# --- scoring ---------------------------------------------------------------------------------------


def correct(case: Case, reasons: tuple[str, ...]) -> bool:
    """Flagged when it should be (any reason), left alone when it should be."""
    return bool(reasons) == (case.label in POSITIVE)


def right_kind(case: Case, reasons: tuple[str, ...]) -> bool:
    """A crisis text with a reason of its own category; a third-party text with only third_party."""
    kinds = {reason.split(":", 1)[0] for reason in reasons}
    if case.label == "third_party":
        return kinds == {"third_party"}
    return case.category in kinds


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, case: Case, reasons: tuple[str, ...]) -> None:
        positive, flagged = case.label in POSITIVE, bool(reasons)
        if positive and flagged:
            self.tp += 1
        elif positive:
            self.fn += 1
        elif flagged:
            self.fp += 1
        else:
            self.tn += 1

    def recall(self) -> float:
        return _share(self.tp, self.tp + self.fn)

    def precision(self) -> float:
        return _share(self.tp, self.tp + self.fp)

    def f1(self) -> float:
        p, r = self.precision(), self.recall()
        return 2 * p * r / (p + r) if p + r and not math.isnan(p + r) else float("nan")

    def false_alarms(self) -> float:
        return _share(self.fp, self.fp + self.tn)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def _pct(value: float) -> str:
    return "   -  " if math.isnan(value) else f"{value * 100:5.1f}%"


def _ratio(ours: float, theirs: float) -> str:
    if math.isnan(ours) or math.isnan(theirs):
        return "   -"
    return f"x{ours / theirs:.2f}" if theirs else "x inf" if ours else "x1.00"


# --- report ------------------------------------------------------------------------------------------


def report(path: Path, cases: list[Case], ours: list[tuple[str, ...]], theirs: list[tuple[str, ...]]) -> None:
    print(f"\n== {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {len(cases)} texts")
    languages = sorted({case.lang for case in cases})
    print("\nper category: crisis/third_party = share flagged (recall); none = share left alone")
    print(
        f"  {'lang':4} {'label':11} {'category':10} {'n':>5}  {'detector':>8} {'baseline':>8}"
        "  ratio   right kind"
    )
    for lang in [*languages, "all"]:
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index, case in enumerate(cases):
            if lang in ("all", case.lang):
                groups[(case.label, case.category)].append(index)
        for (label, category), indexes in sorted(groups.items(), key=_category_order):
            mine = _share(sum(correct(cases[i], ours[i]) for i in indexes), len(indexes))
            base = _share(sum(correct(cases[i], theirs[i]) for i in indexes), len(indexes))
            kind = ""
            if label in POSITIVE:
                kind = _pct(_share(sum(right_kind(cases[i], ours[i]) for i in indexes), len(indexes)))
            print(
                f"  {lang:4} {label:11} {category:10} {len(indexes):5}  {_pct(mine):>8} {_pct(base):>8}"
                f"  {_ratio(mine, base):6}  {kind}"
            )
    print("\noverall: recall, precision, F1 and false alarms (label none flagged)")
    print(f"  {'lang':4} {'':9} {'recall':>7} {'precision':>9} {'F1':>7} {'false alarms':>12}")
    for lang in [*languages, "all"]:
        for name, found in (("detector", ours), ("baseline", theirs)):
            counts = Counts()
            for case, reasons in zip(cases, found, strict=True):
                if lang in ("all", case.lang):
                    counts.add(case, reasons)
            print(
                f"  {lang:4} {name:9} {_pct(counts.recall()):>7} {_pct(counts.precision()):>9}"
                f" {_pct(counts.f1()):>7} {_pct(counts.false_alarms()):>12}"
            )
        detector, naive = _counts(cases, ours, lang), _counts(cases, theirs, lang)
        print(
            f"  {lang:4} {'ratio':9} {_ratio(detector.recall(), naive.recall()):>7}"
            f" {_ratio(detector.precision(), naive.precision()):>9} {_ratio(detector.f1(), naive.f1()):>7}"
        )
    reported_precision(cases, ours)


def _counts(cases: list[Case], found: list[tuple[str, ...]], lang: str) -> Counts:
    counts = Counts()
    for case, reasons in zip(cases, found, strict=True):
        if lang in ("all", case.lang):
            counts.add(case, reasons)
    return counts


def _category_order(item: tuple[tuple[str, str], list[int]]) -> tuple[int, int]:
    label, category = item[0]
    order = (*CATEGORIES, *NONE_CATEGORIES)
    return ({"crisis": 0, "third_party": 1}.get(label, 2), order.index(category) if category in order else 99)


def reported_precision(cases: list[Case], ours: list[tuple[str, ...]]) -> None:
    """Of the texts the detector gave each reason, how many are a crisis, and of that category."""
    given: Counter[str] = Counter()
    crisis: Counter[str] = Counter()
    same: Counter[str] = Counter()
    for case, reasons in zip(cases, ours, strict=True):
        for kind in {reason.split(":", 1)[0] for reason in reasons}:
            given[kind] += 1
            crisis[kind] += case.label in POSITIVE
            same[kind] += case.category == kind or (kind == "third_party" and case.label == "third_party")
    print("\ndetector precision per category it reports (all languages)")
    print(f"  {'category':11} {'given':>5}  {'a crisis':>8}  {'that category':>13}")
    for kind in CATEGORIES:
        if given[kind]:
            print(
                f"  {kind:11} {given[kind]:5}  {_pct(crisis[kind] / given[kind]):>8}"
                f"  {_pct(same[kind] / given[kind]):>13}"
            )


def timing(texts: list[str], scan: Callable[[str], object], repeat: int) -> tuple[float, float]:
    """Mean and p99 µs per text over `repeat` passes (the first pass warms caches and is dropped)."""
    for text in texts:
        scan(text)
    per_text: list[float] = []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter()
            scan(text)
            per_text.append((time.perf_counter() - started) * 1e6)
    ordered = sorted(per_text)
    return statistics.fmean(per_text), ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def show_misses(path: Path, cases: list[Case], ours: Iterable[tuple[str, ...]]) -> None:
    if path.name.startswith(BLIND_PREFIX):
        print(f"\n(not printing the texts of {path.name}: blind texts are not to be read or tuned to)")
        return
    print(f"\nmisses in {path.name}:")
    for case, reasons in zip(cases, ours, strict=True):
        if not correct(case, reasons) or (case.label in POSITIVE and not right_kind(case, reasons)):
            wrong = (
                "MISSED"
                if case.label in POSITIVE and not reasons
                else "KIND"
                if reasons and case.label in POSITIVE
                else "FALSE"
            )
            print(f"  {wrong:6} {case.lang} {case.label}/{case.category}: {case.text!r} -> {list(reasons)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, action="append", help="a JSONL test set (repeatable)")
    parser.add_argument("--repeat", type=int, default=5, help="timing passes over each set (default 5)")
    parser.add_argument("--show-misses", action="store_true", help="print the texts the detector gets wrong")
    args = parser.parse_args()
    paths = args.cases or [p for p in DEFAULT_CASES if p.exists()]
    if not paths:
        raise SystemExit(f"no test sets: give --cases PATH (looked for {', '.join(map(str, DEFAULT_CASES))})")
    started = time.perf_counter()
    detector = load_detector()
    print(
        f"detector {detector.version}: lexicon loaded and compiled in {time.perf_counter() - started:.2f} s"
    )
    for path in paths:
        cases = read_cases(path)
        ours = [detector.scan(case.text, case.lang) for case in cases]
        theirs = [baseline(case.text) for case in cases]
        report(path, cases, ours, theirs)
        texts = [case.text for case in cases]
        mean, p99 = timing(texts, lambda text: detector.scan(text, "en"), args.repeat)
        base_mean, base_p99 = timing(texts, baseline, args.repeat)
        print(
            f"\nscan time per text: detector {mean:.1f} µs mean, {p99:.1f} µs p99;"
            f" baseline {base_mean:.2f} µs mean, {base_p99:.2f} µs p99"
            f" (x{mean / base_mean:.0f} slower; goal < 200 µs)"
        )
        if args.show_misses:
            show_misses(path, cases, ours)


if __name__ == "__main__":
    main()
