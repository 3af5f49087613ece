-- Version 2: the figures kept as counts, so that a console figure reads a few hundred rows
-- however long the chain: certificates per lab, month anchored and status; recognitions per
-- region, month and home; instruments per region, class, division and status. Portable SQL:
-- the tables, and the counts of an index of version 1. The triggers that keep them, in the
-- same transaction as the rows they count, are in each database's dialect:
-- 0002_counts.triggers.sqlite.sql and 0002_counts.triggers.postgres.sql. A count may reach 0
-- and stay: queries read only counts above 0.

CREATE TABLE certificate_counts (
    lab TEXT NOT NULL,
    month TEXT NOT NULL,
    status TEXT NOT NULL,
    region TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (lab, month, status)
);

CREATE TABLE recognition_counts (
    region TEXT NOT NULL,
    month TEXT NOT NULL,
    home BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (region, month, home)
);

CREATE TABLE instrument_counts (
    region TEXT NOT NULL,
    class TEXT NOT NULL,
    division TEXT NOT NULL,
    status TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (region, class, division, status)
);

-- An index of version 1 is counted once here.
INSERT INTO certificate_counts (lab, month, status, region, n)
SELECT lab, anchored_month, status, MIN(region), COUNT(*) FROM certificates
GROUP BY lab, anchored_month, status;

INSERT INTO recognition_counts (region, month, home, n)
SELECT region, month, home, COUNT(*) FROM recognitions GROUP BY region, month, home;

INSERT INTO instrument_counts (region, class, division, status, n)
SELECT region, class, division, status, COUNT(*) FROM instruments
GROUP BY region, class, division, status;
