#!/usr/bin/env python3
"""Gate a model version on Bulwark from a Python pipeline, with `requests` only.

    BULWARK_URL=https://bulwark.example BULWARK_TOKEN=bwk_... \
      python3 bulwark_gate.py --model digits-cnn@7 --dataset mnist-demo-eval@latest --samples 200

Runs an evaluation on Bulwark's workers, waits for it, prints the headline figures and asks the release
gate. Exit codes as the CLI's (docs/ci.md): 0 the gate passed, 1 the gate failed or the evaluation did not
complete, 2 usage or configuration, 3 the server refused the request or could not be reached.
"""
import argparse
import os
import sys
import time

import requests


class Refused(Exception):
    """The server answered with a problem document (RFC 9457), or did not answer like Bulwark."""


def call(session, method, url, **kwargs):
    try:
        res = session.request(method, url, timeout=30, **kwargs)
    except requests.RequestException as e:
        raise Refused(f"Cannot reach Bulwark at {url}: {e}") from None
    kind = res.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/problem+json":
        p = res.json()
        fields = "".join(f"\n  {k}: {v}" for k, v in (p.get("errors") or {}).items())
        raise Refused(f"{p.get('status')} {p.get('title')}: {p.get('detail')}{fields}")
    if kind != "application/json":
        raise Refused(f"{url} answered {res.status_code} with {kind or 'no content type'}: not the Bulwark API (check BULWARK_URL)")
    return res.json()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="name@version")
    parser.add_argument("--dataset", required=True, help="name@version")
    parser.add_argument("--suite", default="standard", choices=["quick", "standard"])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    url, token = os.environ.get("BULWARK_URL"), os.environ.get("BULWARK_TOKEN")
    if not url or not token:
        print("Set BULWARK_URL and BULWARK_TOKEN.", file=sys.stderr)
        return 2
    api = url.rstrip("/") + "/api/v1"
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"

    try:
        body = {"model": args.model, "dataset": args.dataset, "preset": args.suite, "sampleCount": args.samples, "seed": args.seed}
        ev = call(s, "POST", f"{api}/evaluations", json=body)
        print(f"Evaluation #{ev['number']} queued: {ev['samples']} samples", file=sys.stderr)
        while ev["status"] not in ("completed", "failed", "cancelled"):
            time.sleep(1)
            ev = call(s, "GET", f"{api}/evaluations/{ev['number']}")
            p = ev["progress"]
            print(f"  {ev['status']} {p['fraction']:.0%} ({p['shardsDone']}/{p['shardCount']} shards)", file=sys.stderr)
        if ev["status"] != "completed":
            print(f"Evaluation #{ev['number']} {ev['status']}: {ev.get('failureReason') or ''}", file=sys.stderr)
            return 1
        r = ev["results"]
        checks = (r.get("reliability") or {}).get("label", "evaluation checks not run")
        print(f"Clean accuracy {r['cleanAccuracy']:.1%}; {checks}")
        for w in r["worstCase"]:
            print(f"  worst case {w['norm']} {w['eps']}: {w['robustAccuracy']:.1%}")

        gate = call(s, "GET", f"{api}/gate", params={"model": args.model})
        for c in gate["checks"]:
            print(f"  {'PASS' if c['outcome'] == 'pass' else 'FAIL'} {c['label']}: {c['detail']}")
        print(f"Gate {'passed' if gate['pass'] else 'failed'} for {gate['model']}")
        return 0 if gate["pass"] else 1
    except Refused as e:
        print(f"bulwark: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
