"""The index.json shared by the make_<source>.py scripts: each replaces its
own source's statements and keeps the others'."""
import json
import os

SCHEMA = "speechwatch-parallel/1"


def update_index(out, source, statements, first=False):
    """Writes OUT/index.json with statements as source's entries, before the
    other sources' entries when first, else after them."""
    path = os.path.join(out, "index.json")
    index = {"schema": SCHEMA, "statements": []}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    others = [s for s in index["statements"] if s.get("source") != source]
    index["statements"] = statements + others if first else others + statements
    with open(path, "w", encoding="utf-8") as f:
        json.dump(index, f, indent=1, ensure_ascii=False)
        f.write("\n")
