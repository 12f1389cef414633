"""The digest of a file row does not depend on how its codes are held in memory."""

import polars as pl

from fupin.imports.engine import values_hash


def test_a_code_held_as_a_category_hashes_as_its_text():
    """Codes are parsed as categories (4 bytes a row); digests stored from text must still match, and
    category numbers, which differ between processes, must not enter the hash."""
    rows = {"sex": ["1", "2", None, "1"], "name": ["张三", "李四", "王五", ""], "months": [1, None, 3, 4]}
    as_text = pl.DataFrame(rows)
    as_category = as_text.with_columns(pl.col("sex").cast(pl.Categorical))
    fields = ["sex", "name", "months"]
    text_hashes = as_text.select(values_hash(as_text, fields)).to_series()
    category_hashes = as_category.select(values_hash(as_category, fields)).to_series()
    assert text_hashes.to_list() == category_hashes.to_list()
    assert text_hashes.n_unique() == 4
    # A different code is a different hash.
    other = as_category.with_columns(pl.Series("sex", ["2", "2", None, "1"], dtype=pl.Categorical))
    assert other.select(values_hash(other, fields)).to_series()[0] != text_hashes[0]
