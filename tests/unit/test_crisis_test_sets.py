"""The crisis detector's quality bar on the labelled test sets, enforced: recall and precision per file.

Each file in tests/data/crisis/ is JSON lines {"text", "lang", "label": crisis|third_party|none,
"category"}. A crisis or third_party text must be flagged (recall); flagged texts must be crises
(precision). On the sets the lexicon was developed on (dev, holdout, and holdout2 since it was read
for the third round) the bar is just below what the detector reaches there (100% and 100%), and
two things hold for every text: a third_party text gets third_party reasons only (it is someone
else at risk, not the texter), and a "none" text gets no reason at all. On a blind set (holdout3,
when it exists) nobody has tuned to its texts: its bar is a floor set just below what the detector
reached the first time it was measured (recall 57.2%, precision 91.5%), a guard against
regressions rather than a target, and its false alarms are bounded by that precision rather than
forbidden one by one.

Nothing is printed on success; a failure lists every text the detector got wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.adapters.crisis_files import load_detector
from service.core.crisis import CrisisDetector

DATA = Path(__file__).resolve().parents[1] / "data" / "crisis"
POSITIVE = ("crisis", "third_party")


@dataclass(frozen=True)
class Bar:
    recall: float
    precision: float
    every_text: bool  # third_party texts third_party only, none texts no reason at all


BARS = {
    "dev.jsonl": Bar(recall=0.99, precision=0.99, every_text=True),
    "holdout.jsonl": Bar(recall=0.99, precision=0.99, every_text=True),
    "holdout2.jsonl": Bar(recall=0.99, precision=0.99, every_text=True),
    "holdout3.jsonl": Bar(recall=0.55, precision=0.88, every_text=False),
}
FILES = [name for name in BARS if (DATA / name).exists()]


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return load_detector()


@pytest.mark.parametrize("name", FILES)
def test_the_detector_meets_its_bar_on_each_labelled_set(detector, name):
    bar = BARS[name]
    tp = fp = fn = 0
    wrong: list[str] = []
    for number, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        case = json.loads(line)
        reasons = detector.scan(case["text"], case["lang"])
        kinds = {reason.split(":", 1)[0] for reason in reasons}
        positive = case["label"] in POSITIVE
        tp += positive and bool(reasons)
        fn += positive and not reasons
        fp += not positive and bool(reasons)
        where = f"{name}:{number} {case['lang']} {case['label']}/{case['category']}: {case['text']!r}"
        if positive and not reasons:
            wrong.append(f"MISSED {where}")
        elif not positive and reasons:
            wrong.append(f"FALSE  {where} -> {list(reasons)}")
        elif case["label"] == "third_party" and reasons and kinds != {"third_party"}:
            wrong.append(f"KIND   {where} -> {list(reasons)}")
    recall = tp / (tp + fn) if tp + fn else 1.0
    precision = tp / (tp + fp) if tp + fp else 1.0
    problems = []
    if recall < bar.recall:
        problems.append(f"recall {recall:.1%} < {bar.recall:.0%}")
    if precision < bar.precision:
        problems.append(f"precision {precision:.1%} < {bar.precision:.0%}")
    if bar.every_text and any(not entry.startswith("MISSED") for entry in wrong):
        problems.append("a none text got a reason, or a third_party text a reason not third_party")
    assert not problems, "\n".join(
        [f"{name}: {'; '.join(problems)} ({tp} found, {fn} missed, {fp} false alarms)", *wrong]
    )
