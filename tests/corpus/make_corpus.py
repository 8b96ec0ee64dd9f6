"""Regenerate the case folders of tests/corpus/ from one valid pair, one break per case.

Run ``python tests/corpus/make_corpus.py`` after editing a case here; the written files
(byte for byte: encodings, BOMs, CRLF) are what tests/e2e/test_corpus.py reads. A case with
``xfail`` is one the solver currently gets wrong; the expectation is the correct one.
"""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent

C_HEAD = "customer_id,lat,lon,value,effort_hours,segment,current_rep,protected_rep,protected_until"
C_ROWS = [
    "C1,40.71,-74.00,1000,10,retail,R1,,",
    "C2,40.73,-73.99,2000,12,energy,R1,R1,2027-06-30",
    "C3,34.05,-118.24,1500,8,retail,R2,,",
    "C4,34.06,-118.25,500,6,energy,R2,,",
    "C5,41.88,-87.63,800,9,retail,R3,,",
]
R_HEAD = "rep_id,lat,lon,capacity_hours,specialties,seniority,active"
R_ROWS = [
    "R1,40.72,-74.01,200,retail,4,true",
    "R2,34.05,-118.20,200,energy,3,true",
    "R3,41.87,-87.62,200,retail;energy,2,true",
]
SCENARIO = "as_of = 2027-01-01\nseed = 0\n"


def text(head, rows, nl="\n"):
    return nl.join([head, *rows]) + nl


def cust(**changes):
    """Base customers with row i (1-based data row) replaced: cust(r3='...')."""
    rows = list(C_ROWS)
    for key, value in changes.items():
        rows[int(key[1:]) - 1] = value
    return text(C_HEAD, rows).encode()


def reps(**changes):
    rows = list(R_ROWS)
    for key, value in changes.items():
        rows[int(key[1:]) - 1] = value
    return text(R_HEAD, rows).encode()


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


CASES = {}


def case(
    name,
    exit_code,
    must_contain,
    *,
    customers=None,
    reps_=None,
    scenario=SCENARIO,
    xfail=None,
    extra=None,
    comment=None,
):
    CASES[name] = dict(
        customers=customers if customers is not None else cust(),
        reps=reps_ if reps_ is not None else reps(),
        scenario=scenario,
        exit_code=exit_code,
        must_contain=must_contain,
        xfail=xfail,
        extra=extra or {},
        comment=comment,
    )


C_BASE = text(C_HEAD, C_ROWS)
R_BASE = text(R_HEAD, R_ROWS)

# ---- the valid pair itself and merely unusual inputs that must still solve
case("valid_baseline", 0, [])
case(
    "bom_and_crlf",
    0,
    [],
    customers=b"\xef\xbb\xbf" + text(C_HEAD, C_ROWS, "\r\n").encode(),
    reps_=b"\xef\xbb\xbf" + text(R_HEAD, R_ROWS, "\r\n").encode(),
)
case(
    "utf8_non_ascii_ids_and_segments",
    0,
    [],
    customers=cust(
        r1="Café-1,40.71,-74.00,1000,10,détail,R1,,", r3="Zürich-3,34.05,-118.24,1500,8,détail,R2,,"
    ),
)
case(
    "spaces_around_ids_and_refs",
    0,
    [],
    customers=cust(
        r1="  C1 ,40.71,-74.00,1000,10,retail, R1 ,,",
        r2="C2,40.73,-73.99,2000,12,energy,R1,R1 ,2027-06-30",
    ),
)
case(
    "quoted_fields_and_extra_columns",
    0,
    [],
    customers=text(C_HEAD + ",note", [r + ',"has, a comma"' for r in C_ROWS]).encode(),
)
case(
    "leaving_rep_with_current_accounts",
    0,
    [],
    reps_=reps(r3="R3,41.87,-87.62,200,retail;energy,2,false"),
)
case(
    "expired_protection_of_leaving_rep",
    0,
    [],
    customers=cust(r5="C5,41.88,-87.63,800,9,retail,R3,R3,2026-06-30"),
    reps_=reps(r3="R3,41.87,-87.62,200,retail;energy,2,false"),
)
case("trailing_empty_lines", 0, [], customers=(C_BASE + "\n\n\n").encode())
case(
    "active_words_mixed_case",
    0,
    [],
    reps_=reps(r1="R1,40.72,-74.01,200,retail,4,TRUE", r2="R2,34.05,-118.20,200,energy,3,Yes"),
)

# ---- encodings and delimiters
case(
    "latin1_customers",
    3,
    ["customers.csv", "not UTF-8"],
    customers=cust(r1="C1,40.71,-74.00,1000,10,détail,R1,,").decode().encode("latin-1"),
)
case("utf16_reps", 3, ["reps.csv", "not UTF-8"], reps_=R_BASE.encode("utf-16"))
case(
    "utf16_le_no_bom_customers",
    3,
    ["customers.csv", "not UTF-8"],
    customers=C_BASE.encode("utf-16-le"),
)
case(
    "xlsx_saved_as_csv",
    3,
    ["customers.csv", "not UTF-8"],
    customers=b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4\x00\x00\x00L\x02"
    + bytes(range(128, 256)),
)
case(
    "semicolon_delimiter_customers",
    3,
    ["customers.csv", "customer_id", "required column is missing", "customer_id;lat;lon"],
    customers=C_BASE.replace(",", ";").encode(),
)
case(
    "tab_delimiter_reps",
    3,
    ["reps.csv", "rep_id", "required column is missing"],
    reps_=R_BASE.replace(",", "\t").encode(),
)
case(
    "european_decimal_comma_semicolon",
    3,
    ["customers.csv", "required column is missing"],
    customers=C_BASE.replace(",", ";").replace("40.71", "40,71").encode(),
)

# ---- Excel-exported numbers
case(
    "thousands_separator_quoted_value",
    3,
    ["customers.csv", "row 3", "'value'", "not a number", "1,234"],
    customers=cust(r2='C2,40.73,-73.99,"1,234",12,energy,R1,R1,2027-06-30'),
)
case(
    "thousands_separator_unquoted_value",
    3,
    ["customers.csv", "line 3", "fields"],
    customers=cust(r2="C2,40.73,-73.99,1,234,12,energy,R1,R1,2027-06-30"),
)
case(
    "thousands_separator_space_capacity",
    3,
    ["reps.csv", "row 2", "'capacity_hours'", "not a number"],
    reps_=reps(r1="R1,40.72,-74.01,1 200,retail,4,true"),
)
case(
    "currency_symbol_value",
    3,
    ["customers.csv", "row 4", "'value'", "not a number", "$1500"],
    customers=cust(r3="C3,34.05,-118.24,$1500,8,retail,R2,,"),
)
case(
    "percent_performance",
    3,
    ["reps.csv", "row 2", "'performance'", "not a number"],
    reps_=(
        R_HEAD
        + ",performance\n"
        + "\n".join([R_ROWS[0] + ",85%", R_ROWS[1] + ",0.5", R_ROWS[2] + ",0.5"])
        + "\n"
    ).encode(),
)

# ---- empty and header-only
case("empty_customers_file", 3, ["customers.csv", "empty"], customers=b"")
case("empty_reps_file", 3, ["reps.csv", "empty"], reps_=b"")
case("blank_lines_only_customers", 3, ["customers.csv", "empty"], customers=b"\n\n\r\n")
case(
    "header_only_customers", 3, ["customers.csv", "header only"], customers=(C_HEAD + "\n").encode()
)
case("header_only_reps", 3, ["reps.csv", "header only"], reps_=(R_HEAD + "\n").encode())

# ---- ids
case(
    "duplicate_customer_id",
    3,
    ["customers.csv", "rows 2, 5", "'customer_id'", "duplicate id"],
    customers=cust(r4="C1,34.06,-118.25,500,6,energy,R2,,"),
)
case(
    "duplicate_rep_id",
    3,
    ["reps.csv", "rows 2, 4", "'rep_id'", "duplicate id"],
    reps_=reps(r3="R1,41.87,-87.62,200,retail;energy,2,true"),
)
case(
    "blank_customer_id",
    3,
    ["customers.csv", "row 4", "'customer_id'", "id is blank"],
    customers=cust(r3=",34.05,-118.24,1500,8,retail,R2,,"),
)
case(
    "blank_rep_id",
    3,
    ["reps.csv", "row 3", "'rep_id'", "id is blank"],
    reps_=reps(r2="  ,34.05,-118.20,200,energy,3,true"),
)
case(
    "customer_ids_differ_only_by_case",
    3,
    ["customers.csv", "rows 2, 6", "'customer_id'", "letter case"],
    customers=cust(r5="c1,41.88,-87.63,800,9,retail,R3,,"),
)
case(
    "rep_ids_differ_only_by_case",
    3,
    ["reps.csv", "rows 3, 4", "'rep_id'", "letter case"],
    reps_=reps(r3="r2,41.87,-87.62,200,retail;energy,2,true"),
)
case(
    "customer_ids_differ_only_by_trailing_space",
    3,
    ["customers.csv", "rows 2, 6", "'customer_id'", "duplicate id"],
    customers=cust(r5='"C1 ",41.88,-87.63,800,9,retail,R3,,'),
)
case(
    "rep_ids_differ_only_by_tab",
    3,
    ["reps.csv", "rows 2, 4", "'rep_id'", "duplicate id"],
    reps_=reps(r3='"R1\t",41.87,-87.62,200,retail;energy,2,true'),
)
case(
    "current_rep_differs_by_case",
    3,
    ["customers.csv", "row 6", "'current_rep'", "not in the reps table", "r3"],
    customers=cust(r5="C5,41.88,-87.63,800,9,retail,r3,,"),
)

# ---- NaN / inf / signs
case(
    "nan_value",
    3,
    ["customers.csv", "row 3", "'value'", "not a number", "NaN"],
    customers=cust(r2="C2,40.73,-73.99,NaN,12,energy,R1,R1,2027-06-30"),
)
case(
    "inf_effort",
    3,
    ["customers.csv", "row 4", "'effort_hours'", "finite"],
    customers=cust(r3="C3,34.05,-118.24,1500,inf,retail,R2,,"),
)
case(
    "nan_lat",
    3,
    ["customers.csv", "row 2", "'lat'", "not a number"],
    customers=cust(r1="C1,nan,-74.00,1000,10,retail,R1,,"),
)
case(
    "inf_capacity",
    3,
    ["reps.csv", "row 3", "'capacity_hours'", "finite"],
    reps_=reps(r2="R2,34.05,-118.20,Infinity,energy,3,true"),
)
case(
    "negative_effort",
    3,
    ["customers.csv", "row 5", "'effort_hours'", "must be > 0"],
    customers=cust(r4="C4,34.06,-118.25,500,-6,energy,R2,,"),
)
case(
    "zero_effort",
    3,
    ["customers.csv", "row 5", "'effort_hours'", "must be > 0"],
    customers=cust(r4="C4,34.06,-118.25,500,0,energy,R2,,"),
)
case(
    "negative_value",
    3,
    ["customers.csv", "row 6", "'value'", "must be >= 0"],
    customers=cust(r5="C5,41.88,-87.63,-800,9,retail,R3,,"),
)

# ---- lat / lon
case(
    "lat_lon_swapped_out_of_range",
    3,
    ["customers.csv", "row 4", "'lat'", "latitude outside -90..90"],
    customers=cust(r3="C3,-118.24,34.05,1500,8,retail,R2,,"),
)
case(
    "rep_lon_out_of_range",
    3,
    ["reps.csv", "row 4", "'lon'", "longitude outside -180..180"],
    reps_=reps(r3="R3,41.87,-187.62,200,retail;energy,2,true"),
)
case(
    "lat_lon_swapped_in_range",
    4,
    ["C1", "capacity_hours"],
    customers=cust(r1="C1,-74.00,40.71,1000,10,retail,R1,,"),
)

# ---- dates
for name, value in [
    ("date_slashes_ymd", "2027/06/30"),
    ("date_us_mdy", "06/30/2027"),
    ("date_dotted_dmy", "30.06.2027"),
    ("date_excel_serial", "46568"),
    ("date_with_time", "2027-06-30 00:00:00"),
    ("date_impossible_day", "2027-02-30"),
]:
    case(
        name,
        3,
        ["customers.csv", "row 3", "'protected_until'", "YYYY-MM-DD", value],
        customers=cust(r2=f"C2,40.73,-73.99,2000,12,energy,R1,R1,{value}"),
    )
case(
    "scenario_as_of_us_format",
    3,
    ["scenario.toml", "as_of", "YYYY-MM-DD"],
    scenario='as_of = "01/01/2027"\n',
)

# ---- protections
case(
    "protection_unknown_rep",
    3,
    ["customers.csv", "row 3", "'protected_rep'", "not in the reps table", "R9"],
    customers=cust(r2="C2,40.73,-73.99,2000,12,energy,R1,R9,2027-06-30"),
)
case(
    "protection_held_by_leaving_rep",
    3,
    ["customers.csv", "row 3", "'protected_rep'", "leaving rep"],
    reps_=reps(r1="R1,40.72,-74.01,200,retail,4,false"),
    scenario=SCENARIO + '[rules]\nleaving_rep_protection = "error"\n',
    comment="strict mode; by default the protection is released with the rep",
)
case(
    "protection_without_until",
    3,
    ["customers.csv", "row 3", "'protected_until'", "protected_until is empty"],
    customers=cust(r2="C2,40.73,-73.99,2000,12,energy,R1,R1,"),
)
case(
    "protection_until_without_rep",
    3,
    ["customers.csv", "row 4", "'protected_rep'", "protected_rep is empty"],
    customers=cust(r3="C3,34.05,-118.24,1500,8,retail,R2,,2027-06-30"),
)
case(
    "protected_work_over_capacity",
    4,
    ["R1", "capacity"],
    customers=cust(r1="C1,40.71,-74.00,1000,250,retail,R1,R1,2027-06-30"),
)

# ---- reps capacity
case(
    "zero_capacity_rep",
    3,
    ["reps.csv", "row 3", "'capacity_hours'", "must be > 0"],
    reps_=reps(r2="R2,34.05,-118.20,0,energy,3,true"),
)
case(
    "blank_capacity_rep",
    3,
    ["reps.csv", "row 4", "'capacity_hours'", "value is required"],
    reps_=reps(r3="R3,41.87,-87.62,,retail;energy,2,true"),
)
case(
    "all_reps_leaving",
    4,
    ["active"],
    reps_=reps(
        r1="R1,40.72,-74.01,200,retail,4,false",
        r2="R2,34.05,-118.20,200,energy,3,no",
        r3="R3,41.87,-87.62,200,retail;energy,2,0",
    ),
    customers=cust(r2="C2,40.73,-73.99,2000,12,energy,R1,,"),
)

# ---- scenario
case(
    "scenario_unknown_top_key",
    3,
    ["scenario.toml", "time_limit", "unknown key"],
    scenario=SCENARIO + "time_limit = 5\n",
)
case(
    "scenario_unknown_nested_key",
    3,
    ["scenario.toml", "weights.travle", "unknown key"],
    scenario=SCENARIO + "[weights]\ntravle = 2.0\n",
)
case(
    "scenario_weight_as_string",
    3,
    ["scenario.toml", "weights.travel", "'2.0'"],
    scenario=SCENARIO + '[weights]\ntravel = "2.0"\n',
)
case(
    "scenario_negative_weight",
    3,
    ["scenario.toml", "weights.balance", "-1"],
    scenario=SCENARIO + "[weights]\nbalance = -1.0\n",
)
case(
    "scenario_bad_engine",
    3,
    ["scenario.toml", "engine", "gurobi"],
    scenario=SCENARIO + 'engine = "gurobi"\n',
)
case(
    "scenario_table_as_scalar", 3, ["scenario.toml", "weights"], scenario=SCENARIO + "weights = 5\n"
)
case(
    "scenario_rule_bool_as_string",
    3,
    ["scenario.toml", "rules.protection", "yes"],
    scenario=SCENARIO + '[rules]\nprotection = "yes"\n',
)
case(
    "scenario_invalid_toml",
    3,
    ["scenario.toml", "not valid TOML"],
    scenario=SCENARIO + "[weights\ntravel = 1\n",
)
case(
    "scenario_locks_file_missing",
    3,
    ["locks.csv", "not found"],
    scenario=SCENARIO + '[rules]\nlocks = "locks.csv"\n',
)
case(
    "scenario_lock_unknown_customer",
    3,
    ["scenario.toml", "rules.locks", "C99"],
    scenario=SCENARIO + '[rules]\nlocks = [["C99", "R1"]]\n',
)
case(
    "scenario_lock_malformed_pair",
    3,
    ["scenario.toml", "rules.locks"],
    scenario=SCENARIO + '[rules]\nlocks = [["C1"]]\n',
)
case(
    "scenario_max_moves_pct_over_100",
    3,
    ["scenario.toml", "rules.max_moves_pct", "150"],
    scenario=SCENARIO + "[rules]\nmax_moves_pct = 150\n",
)
case(
    "scenario_latin1",
    3,
    ["scenario.toml", "not valid TOML"],
    scenario="as_of = 2027-01-01\n# r\xe9sum\xe9\n".encode("latin-1"),
)

# ---- structure
case(
    "ragged_row_too_few_fields",
    3,
    ["customers.csv", "row 4", "'value'", "value is required"],
    customers=cust(r3="C3,34.05,-118.24"),
)
case(
    "duplicate_column_header",
    3,
    ["customers.csv", "value", "duplicate"],
    customers=text(C_HEAD + ",value", [r + ",5" for r in C_ROWS]).encode(),
)
case(
    "header_case_differs",
    3,
    ["customers.csv", "'customer_id'", "required column is missing"],
    customers=text(C_HEAD.replace("customer_id", "Customer_ID"), C_ROWS).encode(),
)
case(
    "blank_line_shifts_row_numbers",
    3,
    ["customers.csv", "row 6", "'value'", "not a number"],
    customers=text(
        C_HEAD, [*C_ROWS[:2], "", C_ROWS[2], "C4,34.06,-118.25,abc,6,energy,R2,,", C_ROWS[4]]
    ).encode(),
)
case(
    "multiline_quoted_cell_shifts_row_numbers",
    3,
    ["customers.csv", "row 5", "'value'", "not a number"],
    customers=text(
        C_HEAD + ",note",
        [
            C_ROWS[0] + ',"line one\nline two"',
            C_ROWS[1] + ",x",
            "C3,34.05,-118.24,abc,8,retail,R2,,,x",
            C_ROWS[3] + ",x",
            C_ROWS[4] + ",x",
        ],
    ).encode(),
)


# ---- added after the first pass
case(
    "cp1252_reps_line_number",
    3,
    ["reps.csv", "row 3", "not UTF-8"],
    reps_=reps(r2="R2,34.05,-118.20,200,énergie,3,true").decode().encode("cp1252"),
)
case(
    "semicolon_delimiter_reps",
    3,
    ["reps.csv", "delimiter", "';'"],
    reps_=R_BASE.replace(",", ";").encode(),
)
case(
    "nbsp_around_customer_id",
    3,
    ["customers.csv", "rows 2, 6", "duplicate id"],
    customers=cust(r5="C1\u00a0,41.88,-87.63,800,9,retail,R3,,"),
)
case(
    "row_of_only_commas",
    3,
    ["customers.csv", "row 4", "'customer_id'", "id is blank", "'value'", "value is required"],
    customers=cust(r3=",,,,,,,,"),
)
case(
    "negative_visits",
    3,
    ["customers.csv", "row 3", "'visits'", "must be >= 0"],
    customers=text(
        C_HEAD + ",visits", [r + (",-2" if i == 1 else ",1") for i, r in enumerate(C_ROWS)]
    ).encode(),
)
case(
    "value_overflows_to_inf",
    3,
    ["customers.csv", "row 2", "'value'", "finite"],
    customers=cust(r1="C1,40.71,-74.00,1e309,10,retail,R1,,"),
)
case(
    "seniority_zero",
    3,
    ["reps.csv", "row 2", "'seniority'", "1..5"],
    reps_=reps(r1="R1,40.72,-74.01,200,retail,0,true"),
)
case(
    "active_word_not_boolean",
    3,
    ["reps.csv", "row 4", "'active'", "true or false", "nein"],
    reps_=reps(r3="R3,41.87,-87.62,200,retail;energy,2,nein"),
)
case(
    "scenario_infinite_weight",
    3,
    ["scenario.toml", "weights.balance", "inf"],
    scenario=SCENARIO + "[weights]\nbalance = inf\n",
)
case(
    "scenario_weights_overflow",
    3,
    ["scenario.toml", "weights"],
    scenario=SCENARIO + "[weights]\ncontinuity = 1e308\nvalue_fit = 1e308\n",
)
case(
    "scenario_lock_rep_as_number",
    3,
    ["scenario.toml", "rules.locks"],
    scenario=SCENARIO + '[rules]\nlocks = [["C1", 5]]\n',
)
case(
    "scenario_lock_to_leaving_rep",
    4,
    ["C1", "R3"],
    reps_=reps(r3="R3,41.87,-87.62,200,retail;energy,2,false"),
    scenario=SCENARIO + '[rules]\nlocks = [["C1", "R3"]]\n',
)

case(
    "scenario_locks_path_is_a_folder",
    3,
    ["scenario.toml", "rules.locks"],
    scenario=SCENARIO + '[rules]\nlocks = "."\n',
)
case(
    "scenario_locks_file_latin1",
    3,
    ["locks.csv", "not UTF-8"],
    scenario=SCENARIO + '[rules]\nlocks = "locks.csv"\n',
    extra={"locks.csv": "customer_id,rep_id\nC1,R1\n# Müller\n".encode("latin-1")},
)
case(
    "scenario_locks_file_wrong_header",
    3,
    ["locks.csv", "customer_id"],
    scenario=SCENARIO + '[rules]\nlocks = "locks.csv"\n',
    extra={"locks.csv": b"account,owner\nC1,R1\n"},
)


def write():
    for old in ROOT.iterdir():
        if (old / "expected.toml").exists():
            shutil.rmtree(old)
    (ROOT / ".gitattributes").write_text("# case files are bytes: no EOL conversion\n* -text\n")
    for name, c in CASES.items():
        d = ROOT / name
        d.mkdir(parents=True)
        (d / "customers.csv").write_bytes(c["customers"])
        (d / "reps.csv").write_bytes(c["reps"])
        if c["scenario"] is not None:
            s = c["scenario"]
            (d / "scenario.toml").write_bytes(s if isinstance(s, bytes) else s.encode())
        for fname, data in c["extra"].items():
            (d / fname).write_bytes(data)
        lines = []
        if c["comment"]:
            lines.append(f"# {c['comment']}")
        lines.append(f"exit_code = {c['exit_code']}")
        lines.append("must_contain = [" + ", ".join(toml_str(s) for s in c["must_contain"]) + "]")
        if c["xfail"]:
            lines.append(f"xfail = {toml_str(c['xfail'])}")
        (d / "expected.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
    print(len(CASES))
