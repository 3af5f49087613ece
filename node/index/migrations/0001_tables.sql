-- The index of finalized state, version 1. Portable SQL: SQLite and PostgreSQL (and
-- PostgreSQL-compatible databases) run this file unchanged. Dates are ISO text (YYYY-MM-DD,
-- Beijing time), months YYYY-MM, keys and hashes lowercase hex, flags 0/1. docs/index.md
-- describes every table and column.

CREATE TABLE indexed (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    genesis TEXT NOT NULL,
    height BIGINT NOT NULL,
    hash TEXT NOT NULL,
    date TEXT NOT NULL
);

CREATE TABLE blocks (
    height BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    time_ms BIGINT NOT NULL,
    date TEXT NOT NULL,
    transactions BIGINT NOT NULL,
    proposer TEXT NOT NULL
);

CREATE TABLE validators (
    position BIGINT PRIMARY KEY,
    key TEXT NOT NULL,
    power BIGINT NOT NULL
);

CREATE TABLE labs (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    registered_height BIGINT NOT NULL,
    scope_entries BIGINT NOT NULL,
    active_keys BIGINT NOT NULL,
    dcc_certs BIGINT NOT NULL
);
CREATE INDEX labs_by_region ON labs (region, code);

CREATE TABLE standards (
    lab TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    level TEXT NOT NULL,
    assessment TEXT NOT NULL,
    assessment_valid_until TEXT NOT NULL,
    registered_height BIGINT NOT NULL,
    PRIMARY KEY (lab, code)
);

CREATE TABLE certificates (
    lab TEXT NOT NULL,
    number TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    item TEXT NOT NULL,
    instrument_name TEXT NOT NULL,
    serial TEXT NOT NULL,
    calibration_date TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    valid_until TEXT,
    conclusion TEXT NOT NULL,
    instrument_id TEXT,
    document_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    supersedes TEXT,
    superseded_by TEXT,
    anchored_height BIGINT NOT NULL,
    anchored_date TEXT NOT NULL,
    anchored_month TEXT NOT NULL,
    ended_height BIGINT,
    ended_date TEXT,
    ended_month TEXT,
    recheck_on TEXT,
    PRIMARY KEY (lab, number)
);
CREATE INDEX certificates_by_issue ON certificates (lab, issue_date, number);
CREATE INDEX certificates_by_month ON certificates (anchored_month, lab);
CREATE INDEX certificates_by_end ON certificates (ended_month, status, lab);
CREATE INDEX certificates_by_recheck ON certificates (recheck_on);

CREATE TABLE recognitions (
    lab TEXT NOT NULL,
    number TEXT NOT NULL,
    region TEXT NOT NULL,
    home BIGINT NOT NULL,
    month TEXT NOT NULL,
    PRIMARY KEY (lab, number, region)
);
CREATE INDEX recognitions_by_month ON recognitions (region, month);

CREATE TABLE businesses (
    credit_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    region TEXT NOT NULL,
    business_type TEXT NOT NULL,
    registered_height BIGINT NOT NULL,
    score BIGINT NOT NULL,
    grade TEXT NOT NULL,
    graded_on TEXT NOT NULL,
    regrade_on TEXT
);
CREATE INDEX businesses_by_grade ON businesses (region, business_type, grade);
CREATE INDEX businesses_by_regrade ON businesses (regrade_on);

CREATE TABLE credit_records (
    credit_code TEXT NOT NULL,
    id BIGINT NOT NULL,
    region TEXT NOT NULL,
    event TEXT NOT NULL,
    date TEXT NOT NULL,
    month TEXT NOT NULL,
    repaired TEXT,
    withdrawn TEXT,
    PRIMARY KEY (credit_code, id)
);
CREATE INDEX credit_records_by_month ON credit_records (month, region, event);

CREATE TABLE instruments (
    id TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    class TEXT NOT NULL,
    compulsory BIGINT NOT NULL,
    division TEXT NOT NULL,
    owner TEXT NOT NULL,
    site TEXT NOT NULL,
    manufacturer TEXT NOT NULL,
    model TEXT NOT NULL,
    serial TEXT NOT NULL,
    status TEXT NOT NULL,
    valid_until TEXT,
    latest_lab TEXT,
    latest_number TEXT,
    registered_height BIGINT NOT NULL,
    status_on TEXT NOT NULL,
    recheck_on TEXT
);
CREATE INDEX instruments_by_status ON instruments (region, status, class, division);
CREATE INDEX instruments_by_due ON instruments (region, valid_until);
CREATE INDEX instruments_by_recheck ON instruments (recheck_on);

CREATE TABLE inspectors (
    key TEXT PRIMARY KEY,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    active BIGINT NOT NULL
);
CREATE INDEX inspectors_by_region ON inspectors (region, key);

CREATE TABLE plans (
    id BIGINT PRIMARY KEY,
    region TEXT NOT NULL,
    business_types TEXT NOT NULL,
    ratios TEXT NOT NULL,
    inspectors BIGINT NOT NULL,
    created_height BIGINT NOT NULL,
    reveal_height BIGINT NOT NULL,
    drawn BIGINT NOT NULL,
    seed TEXT,
    drawn_on TEXT,
    in_scope BIGINT NOT NULL,
    targets BIGINT NOT NULL,
    short_targets BIGINT NOT NULL
);
CREATE INDEX plans_by_region ON plans (region, id);

CREATE TABLE draw_targets (
    plan_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    credit_code TEXT NOT NULL,
    grade TEXT NOT NULL,
    inspectors TEXT NOT NULL,
    short BIGINT NOT NULL,
    PRIMARY KEY (plan_id, position)
);

CREATE TABLE inspection_results (
    plan_id BIGINT NOT NULL,
    credit_code TEXT NOT NULL,
    outcome TEXT NOT NULL,
    inspector TEXT NOT NULL,
    recorded_height BIGINT NOT NULL,
    PRIMARY KEY (plan_id, credit_code)
);

CREATE TABLE agreements (
    id BIGINT PRIMARY KEY,
    proposer TEXT NOT NULL,
    partner TEXT NOT NULL,
    kinds TEXT NOT NULL,
    categories TEXT NOT NULL,
    from_date TEXT NOT NULL,
    accepted_height BIGINT,
    ended_from TEXT
);
