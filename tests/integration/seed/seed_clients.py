#!/usr/bin/env python3
"""The seed's own clients, written the way its notebook wrote them (issue 8).

  produce BROKERS TOPIC FILE...   the seed's run_producer: each USCRN file read with pandas
                                  (read_csv, whitespace-separated, NOAA's column names), then
                                  every row as json.dumps(row.to_dict()) plus "source_file",
                                  files ONE AFTER ANOTHER, no key, into TOPIC.
  consume BROKERS PREFIX WBAN...  the seed's run_consumer: Output, Outliers and MaxTemp read
                                  with a confluent_kafka Consumer, json.loads into pandas
                                  DataFrames; selects each station by its number
                                  (df[df.station == 23907]) and checks the seed's field types.

Nothing here is wxstream code: if the seed's clients need a change to read wxstream's records,
this test is where it shows. WX_SEED_INTERLEAVE=1 sends the files' rows merged by time instead
of file after file (a check of the record format alone, independent of event-time handling).
"""
import json
import os
import re
import sys
import time

import pandas as pd
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

# NOAA's header for the subhourly01 product, as the seed named its columns.
COLUMNS = [
    "WBANNO", "UTC_DATE", "UTC_TIME", "LST_DATE", "LST_TIME", "CRX_VN", "LONGITUDE",
    "LATITUDE", "AIR_TEMPERATURE", "PRECIPITATION", "SOLAR_RADIATION", "SR_FLAG",
    "SURFACE_TEMPERATURE", "ST_TYPE", "ST_FLAG", "RELATIVE_HUMIDITY", "RH_FLAG",
    "SOIL_MOISTURE_5", "SOIL_TEMPERATURE_5", "WETNESS", "WET_FLAG", "WIND_1_5", "WIND_FLAG",
]


def fail(msg):
    print(f"seed_clients: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def read_station_file(path):
    df = pd.read_csv(path, sep=r"\s+", header=None, names=COLUMNS)
    df["source_file"] = os.path.basename(path)
    return df


def produce(brokers, topic, files):
    admin = AdminClient({"bootstrap.servers": brokers})
    if topic not in admin.list_topics(timeout=30).topics:
        for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)]).values():
            f.result()
    producer = Producer({"bootstrap.servers": brokers})
    frames = [read_station_file(p) for p in files]
    if os.environ.get("WX_SEED_INTERLEAVE") == "1":
        merged = pd.concat(frames, ignore_index=True)
        merged = merged.sort_values(["UTC_DATE", "UTC_TIME", "WBANNO"], kind="stable")
        frames = [merged]
    sent = 0
    for df in frames:
        for _, row in df.iterrows():
            producer.produce(topic, value=json.dumps(row.to_dict()))
            producer.poll(0)
            sent += 1
    left = producer.flush(60)
    if left:
        fail(f"{left} records not delivered")
    print(f"seed_clients: produced {sent} records to {topic}", file=sys.stderr)


def consume_topic(brokers, topic, idle_s=5.0):
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"seed-client-{os.getpid()}-{topic}",
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",
    })
    consumer.subscribe([topic])
    rows = []
    last = time.time()
    while time.time() - last < idle_s:
        msg = consumer.poll(1.0)
        if msg is None:
            continue
        if msg.error():
            continue
        rows.append(json.loads(msg.value()))
        last = time.time()
    consumer.close()
    return pd.DataFrame(rows)


def consume(brokers, prefix, wbans):
    out = consume_topic(brokers, prefix + "Output")
    outliers = consume_topic(brokers, prefix + "Outliers")
    maxtemp = consume_topic(brokers, prefix + "MaxTemp")
    for name, df in (("Output", out), ("Outliers", outliers), ("MaxTemp", maxtemp)):
        if df.empty:
            fail(f"{name}: no records")
        print(f"seed_clients: {name}: {len(df)} records", file=sys.stderr)
    for wban in wbans:
        n = len(out[out.station == wban])
        if n == 0:
            fail(f"Output: df[df.station == {wban}] finds no rows")
        print(f"seed_clients: Output: df[df.station == {wban}] has {n} rows", file=sys.stderr)
    if len(maxtemp[maxtemp.station.isin(wbans)]) == 0:
        fail("MaxTemp: no hour names one of the stations by number")
    if len(outliers[outliers.station.isin(wbans)]) != len(outliers):
        fail("Outliers: a record whose station is not one of the numbers sent")
    bad = [t for t in outliers.lst_time if not re.fullmatch(r"\d\d:\d\d", str(t))]
    if bad:
        fail(f"Outliers: lst_time not HH:MM: {bad[:5]}")
    if outliers.source_file.isna().any() or not outliers.source_file.str.startswith("SYNTH-CRNS0101-").all():
        fail("Outliers: source_file is not the producer's file name everywhere")
    print("seed_clients: the seed's consumer selects every station by its number; "
          "lst_time is HH:MM; source_file names the file", file=sys.stderr)


def main(argv):
    if len(argv) >= 4 and argv[1] == "produce":
        produce(argv[2], argv[3], argv[4:])
    elif len(argv) >= 4 and argv[1] == "consume":
        consume(argv[2], argv[3], [int(w) for w in argv[4:]])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
