#!/usr/bin/env python3
"""Writes the committed seed corpus, tests/fuzz/corpus/<target>/, from the project's own samples:

  events       the newest golden buffers (tests/events/golden/vN), one per event kind
  command      one body per command, from the samples of tests/gateway/json_test.cc
  token        tokens signed with the fuzz target's fixed key, and "#"-prefixed payloads
  http_target  request targets of docs/API.md
  ws_message   client messages of docs/API.md

Deterministic: running it again rewrites the same files. Run it after a sample changes, review
the diff, commit. The fuzzer never writes here (its finds stay under build/).
"""
import base64
import hashlib
import hmac
import json
import pathlib
import re
import shutil

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = HERE / "corpus"

# As in fuzz_token.cc.
KEY = b"liquida-fuzz-key-0123456789abcdef"
NOW_MS = 1_750_859_700_000


def fresh(target):
    d = CORPUS / target
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def events():
    d = fresh("events")
    golden = ROOT / "tests/events/golden"
    newest = max(golden.glob("v*"), key=lambda v: int(v.name[1:]))  # every kind, each with every field
    for f in sorted(newest.glob("*.lqev")):
        shutil.copyfile(f, d / f.name)


COLEGIO_COMMANDS = {"present_billing", "debit_presentation", "approve_presentation", "pay_presentation"}


def command():
    d = fresh("command")
    text = (ROOT / "tests/gateway/json_test.cc").read_text()
    # {"name", R"({...members...})", ...} in samples(): name and members.
    samples = re.findall(r'\{"(\w+)",\s*R"\((\{.*?\})\)"', text, re.S)
    if len(samples) < 20:
        raise SystemExit(f"found only {len(samples)} command samples in json_test.cc")
    for i, (name, members) in enumerate(samples):
        body = {"command": name}
        if name not in COLEGIO_COMMANDS:  # the colegio's own name no provider
            body["provider"] = 1042
        body["command_id"] = f"fuzz-{i}"
        body.update(json.loads(members))
        (d / f"{name}.json").write_text(json.dumps(body, ensure_ascii=False) + "\n")
    # A few shapes the samples do not have: an ISO instant, nulls, an unknown member, not an object.
    extra = {
        "consume_iso_instant.json": '{"command":"consume_practices","provider":7,"transaction":{"boca":1,"serie":"T",'
                                    '"number":5},"items":[1],"performed_at":"2025-06-25T10:55:00.250-03:00"}',
        "nulls.json": '{"command":"leave_padron","provider":1,"command_id":null,"reason":null}',
        "unknown_field.json": '{"command":"send_invoice","provider":1,"invoice_id":"f-1","typo":true}',
        "array.json": '[{"command":"send_invoice"}]',
    }
    for name, body in extra.items():
        (d / name).write_text(body + "\n")


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(payload):
    encoded = b64url(payload.encode())
    return encoded + "." + b64url(hmac.new(KEY, encoded.encode(), hashlib.sha256).digest())


def token_seeds():
    d = fresh("token")
    later = NOW_MS + 3_600_000
    seeds = {
        "colegio": f"Bearer {token(f'v1|colegio|secretaria@colegio|{later}')}",
        "prestador": f"bearer  {token(f'v1|prestador|1042|{later}')}",
        "obra_social": f"BEARER\t{token(f'v1|obra_social|sancor|{later}')}  ",
        "expired": f"Bearer {token(f'v1|colegio|ana|{NOW_MS}')}",
        "bad_signature": f"Bearer {token(f'v1|colegio|ana|{later}')[:-2]}AA",
        "basic": "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
        "payload_colegio": f"#v1|colegio|ana|{later}",
        "payload_prestador": f"#v1|prestador|42|{later}",
        "payload_leading_zero": f"#v1|prestador|042|{later}",
        "payload_v2": f"#v2|obra_social|ioma|{later}",
    }
    for name, value in seeds.items():
        (d / name).write_text(value)


def http_target():
    d = fresh("http_target")
    seeds = [
        "/v1/views/padron?standing=in",
        "/v1/views/padron?as_of=2025-07-11&standing=out",
        "/v1/views/padron?expiring_within=30",
        "/v1/views/padron/1042?as_of=2025-07-11T10%3A00%3A00-03%3A00",
        "/v1/views/settlement?period=2025-06&as_of=2025-07-10&group=obra_social",
        "/v1/reports/validation?period=2025-06&format=csv",
        "/v1/topics/liquida.orders?from=0&partition=3",
        "/v1/views/invoices?obra_social=san+cor&provider=1042&provider=7",
        "/healthz",
        "/v1/views/pending?%zz=%4&=&&a",
    ]
    for i, t in enumerate(seeds):
        (d / f"target_{i:02d}").write_text(t)


def ws_message():
    d = fresh("ws_message")
    seeds = [
        '{"auth": "eyJ2MXxjb2xlZ2lv.c2lnbmF0dXJl"}',
        '{"auth": 5}',
        '{"subscribe":"pending","id":"p","provider":1042}',
        '{"subscribe":"settlement","id":"s","provider":1042,"period":"2025-06"}',
        '{"subscribe":"invoices","obra_social":"ioma","period":"2025-13"}',
        '{"subscribe":"padron","provider":-1}',
        '{"subscribe":"pending","id":"p","provider":1042,"resume_from":61}',
        '{"unsubscribe":"p"}',
        '{"subscribe":"nope"}',
        '[1,2]',
    ]
    for i, m in enumerate(seeds):
        (d / f"message_{i:02d}.json").write_text(m)


if __name__ == "__main__":
    events()
    command()
    token_seeds()
    http_target()
    ws_message()
