import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin.core import idnumber

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
areas = st.integers(min_value=110000, max_value=659999).map(str)
sequences = st.integers(min_value=0, max_value=999)


@given(areas, births, sequences)
def test_made_numbers_parse_back(area, birth, seq):
    number = idnumber.make(area, birth, seq)
    info = idnumber.parse(number)
    assert info.birth_date == birth
    assert info.area_code == area
    assert info.sex == ("1" if seq % 2 else "2")


@given(areas, births, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(area, birth, seq, pos, delta):
    """MOD 11-2 detects every single-digit substitution (the change may also break the date first)."""
    number = idnumber.make(area, birth, seq)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1:]
    with pytest.raises(idnumber.IdNumberError) as exc:
        idnumber.parse(changed)
    assert exc.value.rule in {"check", "date"}


@given(st.text(alphabet="0123456789", min_size=0, max_size=30).filter(lambda s: len(s) != 18))
def test_wrong_length_names_the_length_rule(value):
    with pytest.raises(idnumber.IdNumberError) as exc:
        idnumber.parse(value)
    assert exc.value.rule == "length"
    assert "18位" in exc.value.message


@pytest.mark.parametrize("value,rule,fragment", [
    ("45029919800506123", "length", "长度应为18位"),
    ("4502991980050612A6", "format", "前17位应为数字"),
    ("450299198002301236", "date", "出生日期19800230不是有效日期"),
    ("450299187001011239", "date", "不在合理范围内"),
    ("450299198005061235", "check", "第18位应为6"),
])
def test_rules_are_named(value, rule, fragment):
    with pytest.raises(idnumber.IdNumberError) as exc:
        idnumber.parse(value)
    assert exc.value.rule == rule
    if fragment:
        assert fragment in exc.value.message


def test_future_birth_date_is_refused():
    number = idnumber.make("450299", dt.date(2030, 1, 1), 11)
    with pytest.raises(idnumber.IdNumberError) as exc:
        idnumber.parse(number, today=dt.date(2026, 1, 1))
    assert exc.value.rule == "date"


def test_lowercase_x_and_spaces_are_normalised():
    number = next(n for seq in range(1000)
                  if (n := idnumber.make("450299", dt.date(1980, 5, 6), seq)).endswith("X"))
    assert idnumber.parse(" " + number[:-1] + "x\u3000").number == number


def test_known_valid_number():
    # the GB 11643 example number
    assert idnumber.parse("11010519491231002X").sex == "2"


def test_mask_keeps_area_and_last_four():
    assert idnumber.mask("11010519491231002X") == "110105********002X"
    assert idnumber.mask("") == ""


@pytest.mark.parametrize("birth,on,age", [
    (dt.date(2010, 6, 1), dt.date(2026, 5, 31), 15),
    (dt.date(2010, 6, 1), dt.date(2026, 6, 1), 16),
    (dt.date(2008, 2, 29), dt.date(2026, 2, 28), 17),
])
def test_age_on(birth, on, age):
    assert idnumber.age_on(birth, on) == age
