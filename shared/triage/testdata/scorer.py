#!/usr/bin/env python3
"""Score triage predictions against labels, as docs/triage-contract.md defines.

The project's scorer, copied from its design notes with the triage
contract, so that the tests hold `tipline triage -eval` to it.

usage: scorer.py LABELS.jsonl PREDICTIONS.jsonl [--json]
LABELS lines carry {"id", "labels": {...}}; PREDICTIONS lines carry {"id", "urgency", "reportable",
"region", "minor", ...} as `tipline triage` writes them. Prints one figure a line; with --json, one object.
"""
import json
import sys

LIMA = {"PE-LMA", "PE-LIM"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def same_region(a, b):
    a, b = (a or "").upper(), (b or "").upper()
    return a == b or (a in LIMA and b in LIMA)


def ratio(n, d):
    return n / d if d else float("nan")


def score(labels, preds):
    by_id = {p.get("id"): p for p in preds}
    missing = [l["id"] for l in labels if l["id"] not in by_id]
    rows = [(l["labels"], by_id[l["id"]]) for l in labels if l["id"] in by_id]
    crit = [(l, p) for l, p in rows if l["urgency"] == "critical"]
    rep = [(l, p) for l, p in rows if l["reportable"]]
    pred_rep = [(l, p) for l, p in rows if p.get("reportable")]
    low = [(l, p) for l, p in rows if l["urgency"] == "low"]
    ch = [(l, p) for l, p in rows if l["urgency"] in ("critical", "high")]
    reg = [(l, p) for l, p in rows if l.get("region")]
    tp = sum(1 for l, p in rows if l["minor"] and p.get("minor"))
    fp = sum(1 for l, p in rows if not l["minor"] and p.get("minor"))
    fn = sum(1 for l, p in rows if l["minor"] and not p.get("minor"))
    return {
        "messages": len(labels),
        "missing_predictions": len(missing),
        "critical_recall": ratio(sum(1 for l, p in crit if p.get("urgency") == "critical"), len(crit)),
        "reportable_recall": ratio(sum(1 for l, p in rep if p.get("reportable")), len(rep)),
        "reportable_precision": ratio(sum(1 for l, p in pred_rep if l["reportable"]), len(pred_rep)),
        "under_triage_rate": ratio(sum(1 for l, p in ch if p.get("urgency") in ("medium", "low")), len(ch)),
        "false_forward_rate": ratio(sum(1 for l, p in low if p.get("reportable")), len(low)),
        "urgency_accuracy": ratio(sum(1 for l, p in rows if p.get("urgency") == l["urgency"]), len(rows)),
        "region_accuracy": ratio(sum(1 for l, p in reg if same_region(l["region"], p.get("region"))), len(reg)),
        "minor_f1": ratio(2 * tp, 2 * tp + fp + fn),
        "category_accuracy": ratio(sum(1 for l, p in rows if p.get("category") == l["category"]), len(rows)),
    }


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    s = score(load(sys.argv[1]), load(sys.argv[2]))
    if "--json" in sys.argv:
        print(json.dumps(s))
    else:
        for k, v in s.items():
            print(f"{k:22} {v:.3f}" if isinstance(v, float) else f"{k:22} {v}")


if __name__ == "__main__":
    main()
