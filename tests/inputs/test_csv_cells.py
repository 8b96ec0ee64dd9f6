"""Plan files' CSV cells: text and numbers read back exactly as written."""

import io
import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from solver.inputs.io import csv_bytes, restore_formula_text

# the characters that decide quoting and formula neutralising, and the joining separator
TEXT = st.text(alphabet=st.sampled_from(list("ab =+-@'\",\t\r\n\x1f\u00a0")), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, st.floats(allow_nan=True)), min_size=1, max_size=20))
def test_text_and_float_cells_read_back_as_written(rows):
    frame = pd.DataFrame({"text": [t for t, _ in rows], "number": [x for _, x in rows]})
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), dtype=str, keep_default_na=False)
    assert [restore_formula_text(v) for v in back["text"]] == frame["text"].tolist()
    written = ["" if math.isnan(x) else repr(x) for x in frame["number"]]
    assert back["number"].tolist() == written


def test_formula_like_text_is_neutralised_in_an_all_text_column():
    frame = pd.DataFrame({"text": ["plain", "=1+2", "a\x1f=b", " lead", "'-x"]})
    lines = csv_bytes(frame).decode().split("\n")
    assert lines[1:6] == ["plain", "'=1+2", "a\x1f=b", '" lead"', "''-x"]
