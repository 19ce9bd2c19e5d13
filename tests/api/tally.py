"""What schemathesis sent and what the server answered, from its NDJSON reports.

    python3 tally.py ROLE=FILE.ndjson ...

Prints, per role and operation, the count of each response status, and which commands the
server accepted (200/201) or turned down (422, by code): proof that the run got past the
parsing and scope checks into the domain, not only a pass/fail. Standard library only;
reads the report format of the schemathesis pinned in requirements.txt.
"""

import base64
import collections
import json
import sys


def decode(blob):
    if not isinstance(blob, dict) or "$base64" not in blob:
        return None
    try:
        return json.loads(base64.b64decode(blob["$base64"]))
    except ValueError:
        return None


def tally(path):
    statuses = collections.defaultdict(collections.Counter)  # operation -> status -> n
    accepted = collections.Counter()  # command -> n (200/201)
    refused = collections.Counter()  # domain code -> n (422)
    with open(path, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished.get("recorder") or {}
            label = recorder.get("label", "?")
            for interaction in (recorder.get("interactions") or {}).values():
                request = interaction.get("request") or {}
                response = interaction.get("response") or {}
                status = response.get("status_code", "no answer")
                method = request.get("method", "?")
                if label.startswith(method + " "):
                    statuses[label][status] += 1
                else:  # the coverage phase's probes with other methods
                    statuses[label + ", other methods"][f"{method} {status}"] += 1
                if label == "POST /v1/commands":
                    body = decode(request.get("body"))
                    name = body.get("command", "?") if isinstance(body, dict) else "?"
                    if status in (200, 201):
                        accepted[f"{name} {status}"] += 1
                    elif status == 422:
                        answer = decode(response.get("content")) or {}
                        refused[(answer.get("error") or {}).get("code", "?")] += 1
    return statuses, accepted, refused


def main(args):
    for arg in args:
        role, _, path = arg.partition("=")
        try:
            statuses, accepted, refused = tally(path)
        except (OSError, ValueError) as e:
            print(f"{role}: no tally ({e})")
            continue
        print(f"--- {role}: responses by operation")
        for op in sorted(statuses):
            counts = ", ".join(f"{s}: {n}" for s, n in sorted(statuses[op].items(), key=lambda kv: str(kv[0])))
            print(f"  {op:48} {counts}")
        if accepted:
            print("  commands accepted: " + ", ".join(f"{k} x{n}" for k, n in sorted(accepted.items())))
        if refused:
            top = ", ".join(f"{k} x{n}" for k, n in refused.most_common(8))
            print(f"  commands refused by the domain (422), most common: {top}")


if __name__ == "__main__":
    main(sys.argv[1:])
