"""load_dataset: the Hugging Face datasets offered to this session, as pandas DataFrames.

codeact fetched each split on the host and converted it to JSON Lines (data.jsonl) beside a description of its
columns (split.json: each column's type in the source, and the pandas dtype it gets here), under
$CODEACT_DATA/hf/OWNER/NAME/CONFIG/SPLIT. Run once in every interpreter of the session, in a namespace of its own:
only load_dataset is handed to the code.
"""
import json
import os


def _split_order(split):
    """train, validation, test, then the others by name, as codeact lists them."""
    usual = ["train", "validation", "test"]
    return (usual.index(split) if split in usual else len(usual), split)


def _offered(name):
    """The (config, split) pairs of dataset `name` in this session, with their directories."""
    root = os.path.join(os.environ.get("CODEACT_DATA", "/work/data"), "hf", *name.split("/"))
    offered = []
    if os.path.isdir(root):
        for config in sorted(os.listdir(root)):
            config_dir = os.path.join(root, config)
            for split in sorted(os.listdir(config_dir), key=_split_order) if os.path.isdir(config_dir) else []:
                if os.path.isfile(os.path.join(config_dir, split, "split.json")):
                    offered.append((config, split, os.path.join(config_dir, split)))
    return offered


def _datasets():
    root = os.path.join(os.environ.get("CODEACT_DATA", "/work/data"), "hf")
    names = []
    for owner in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        for dataset in sorted(os.listdir(os.path.join(root, owner))):
            names.append(owner + "/" + dataset)
    return names


def _typed(frame, columns):
    import pandas as pd

    for column in columns:
        name, dtype = column["name"], column["dtype"]
        if name not in frame.columns or dtype == "object":
            continue
        series = frame[name]
        try:
            if dtype.startswith("datetime64"):
                frame[name] = pd.to_datetime(series, utc=dtype.endswith("UTC]"))
            elif dtype.startswith(("int", "uint")) and series.isna().any():
                frame[name] = series.astype(dtype.capitalize().replace("Uint", "UInt"))  # pandas' nullable integers
            elif dtype == "bool" and series.isna().any():
                frame[name] = series.astype("boolean")
            else:
                frame[name] = series.astype(dtype)
        except (ValueError, TypeError, OverflowError):
            pass  # a value pandas cannot hold in that dtype (a date before 1677, say): the column stays as read
    return frame


def load_dataset(name, split=None, config=None):
    """Return a split of a Hugging Face dataset offered to this session as a pandas DataFrame.

    name: the dataset, "OWNER/NAME". split: "train", "test", ...; may be left out when only one split is offered.
    config: the dataset's configuration; may be left out when only one has that split. Columns keep their types
    (integers, floats, booleans, datetimes; lists and dicts for nested values).
    """
    import pandas as pd

    offered = _offered(name)
    if not offered:
        there = _datasets()
        raise ValueError(f"the dataset {name!r} is not offered to this session; "
                         + (f"those offered are: {', '.join(there)}" if there else "none is (codeact run --dataset hf:OWNER/NAME)"))
    matching = [entry for entry in offered
                if (split is None or entry[1] == split) and (config is None or entry[0] == config)]
    names = ", ".join(f"split={s!r}" + ("" if len({c for c, _, _ in offered}) == 1 else f" config={c!r}")
                      for c, s, _ in offered)
    if not matching:
        raise ValueError(f"{name} has no split {split!r}" + (f" in config {config!r}" if config else "")
                         + f" in this session; it offers: {names}")
    if len(matching) > 1:
        raise ValueError(f"{name} offers several splits here: {names}; name one, as load_dataset({name!r}, split=...)")
    directory = matching[0][2]
    with open(os.path.join(directory, "split.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    columns = manifest["columns"]
    data = os.path.join(directory, manifest.get("data", "data.jsonl"))
    if os.path.getsize(data) == 0:
        frame = pd.DataFrame({column["name"]: pd.Series(dtype="object") for column in columns})
    else:
        # In chunks: read whole, pandas holds every row as Python objects at once (a 100 MB file needs 1.2 GB).
        chunks = pd.read_json(data, lines=True, dtype=False, convert_dates=False, precise_float=True,
                              chunksize=50_000)
        frame = pd.concat(chunks, ignore_index=True).reindex(columns=[column["name"] for column in columns])
    return _typed(frame, columns)
