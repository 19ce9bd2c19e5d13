#!/usr/bin/python3
"""Reads a Liquida topic from the beginning and prints one line per event.

    python3 docs/examples/consumer.py BOOTSTRAP TOPIC [--max N] [--timeout S] [--decode DIR]

Line: "<partition>:<offset> key=<provider id> kind=<liquida.kind header>", and with
--decode also "payload=<union member> provider=<provider_id>" read from the FlatBuffer.
Stops after N events, at the end of every partition, or after S seconds without progress
(exit code 1). Needs Debian's python3-confluent-kafka; --decode needs python3-flatbuffers
and Python classes generated from the contract:

    flatc --python -o DIR events/schema/common.fbs events/schema/envelope.fbs

Manual assignment from offset 0, no consumer-group commits: as Liquida's own projections
read (a real consumer stores its offsets with its results). It reads committed transactions
only (isolation.level=read_committed). Like Liquida, it prints a
command's events only once its whole batch is there (header liquida.batch, "index/count"),
and skips a batch that another batch interrupted: a failed append's leftovers, never
acknowledged. See docs/CONSUMERS.md, "Batches and transactions".
"""
import argparse
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition


def header(msg, name):
    for key, value in msg.headers() or []:
        if key == name:
            return value.decode() if value is not None else ""
    return ""


def batch_mark(msg):
    """(index, count, idempotency key) of the record in its batch; a record without a mark
    is a batch of its own."""
    index, _, count = header(msg, "liquida.batch").partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        return 0, 1, ""
    return int(index), int(count), header(msg, "liquida.idempotency_key")


class Batches:
    """Per partition, the batch being read; releases it whole, drops it when interrupted."""

    def __init__(self):
        self.open = {}  # partition -> (count, key, messages so far)

    def add(self, msg):
        index, count, key = batch_mark(msg)
        batch = self.open.get(msg.partition())
        if batch and (count, key) == batch[:2] and index == len(batch[2]):
            batch[2].append(msg)
        elif index == 0:  # a new batch; one still open was interrupted: dropped
            batch = self.open[msg.partition()] = (count, key, [msg])
        else:  # the rest of a batch whose start was dropped
            self.open.pop(msg.partition(), None)
            return []
        if len(batch[2]) < count:
            return []
        del self.open[msg.partition()]
        return batch[2]


def make_decoder(directory):
    """Returns value -> (payload name, provider id), using flatc --python's classes."""
    sys.path.insert(0, directory)
    from liquida.fb.Envelope import Envelope  # generated
    from liquida.fb.Payload import Payload  # generated

    names = {v: k for k, v in vars(Payload).items() if not k.startswith("_")}

    def decode(value):
        if not Envelope.EnvelopeBufferHasIdentifier(value, 0):
            raise ValueError("not a Liquida envelope (file identifier is not LQEV)")
        env = Envelope.GetRootAs(value, 0)
        return names.get(env.PayloadType(), f"unknown({env.PayloadType()})"), env.ProviderId()

    return decode


def main():
    parser = argparse.ArgumentParser(description="Print the events of a Liquida topic.")
    parser.add_argument("bootstrap", help="host:port[,host:port...]")
    parser.add_argument("topic", help="liquida.padron, liquida.orders, liquida.authorizations or liquida.billing")
    parser.add_argument("--max", type=int, default=0, help="stop after this many events (0: at the end)")
    parser.add_argument("--timeout", type=float, default=30.0, help="give up after this many seconds without progress")
    parser.add_argument("--decode", metavar="DIR", help="decode values with the Python classes flatc generated in DIR")
    parser.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                        help="extra librdkafka property (security.protocol=SASL_SSL, ...); repeatable")
    args = parser.parse_args()

    decode = make_decoder(args.decode) if args.decode else None
    conf = {
        "bootstrap.servers": args.bootstrap,
        "group.id": "liquida-example",  # required by the client; no offsets are committed
        "enable.auto.commit": False,
        "enable.partition.eof": True,
        "isolation.level": "read_committed",  # never an aborted or open transaction's records
    }
    for kv in args.config:
        key, _, value = kv.partition("=")
        conf[key] = value
    consumer = Consumer(conf)
    try:
        metadata = consumer.list_topics(args.topic, timeout=args.timeout)
        topic = metadata.topics.get(args.topic)
        if topic is None or topic.error is not None:
            print(f"consumer.py: topic {args.topic}: {topic.error if topic else 'not found'}", file=sys.stderr)
            return 1
        partitions = sorted(topic.partitions)
        consumer.assign([TopicPartition(args.topic, p, OFFSET_BEGINNING) for p in partitions])

        at_end, seen, batches = set(), 0, Batches()
        deadline = time.monotonic() + args.timeout
        while len(at_end) < len(partitions) and (args.max == 0 or seen < args.max):
            if time.monotonic() > deadline:
                print("consumer.py: timed out", file=sys.stderr)
                return 1
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    at_end.add(msg.partition())
                    continue
                print(f"consumer.py: {msg.error()}", file=sys.stderr)
                return 1
            at_end.discard(msg.partition())
            deadline = time.monotonic() + args.timeout
            for msg in batches.add(msg):
                if args.max and seen >= args.max:
                    break
                seen += 1
                key = msg.key().decode() if msg.key() is not None else ""
                line = f"{msg.partition()}:{msg.offset()} key={key} kind={header(msg, 'liquida.kind')}"
                if decode:
                    payload, provider = decode(msg.value())
                    line += f" payload={payload} provider={provider}"
                print(line, flush=True)
        return 0
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
