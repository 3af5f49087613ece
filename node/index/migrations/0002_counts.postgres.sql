-- Version 2: the figures kept as counts, so that a console figure reads a few hundred rows
-- however long the chain: certificates per lab, month anchored and status; recognitions per
-- region, month and home; instruments per region, class, division and status. Triggers keep
-- them in the same transaction as the rows they count, so they cannot disagree with the rows.
-- Here they are statement triggers over transition tables: one grouped change a statement of
-- up to thousands of rows (row triggers cost PostgreSQL a quarter of its indexing rate).
-- PostgreSQL's dialect; 0002_counts.sqlite.sql is the same for SQLite. A count may reach 0
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

CREATE FUNCTION certificates_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE certificate_counts c SET n = c.n - o.n
        FROM (SELECT lab, anchored_month, status, COUNT(*) AS n FROM old_rows GROUP BY lab, anchored_month, status) o
        WHERE c.lab = o.lab AND c.month = o.anchored_month AND c.status = o.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO certificate_counts AS c (lab, month, status, region, n)
        SELECT lab, anchored_month, status, MIN(region), COUNT(*) FROM new_rows GROUP BY lab, anchored_month, status
        ON CONFLICT (lab, month, status) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER certificates_counted AFTER INSERT ON certificates
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION certificates_count();

CREATE TRIGGER certificates_recounted AFTER UPDATE ON certificates
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION certificates_count();

CREATE TRIGGER certificates_uncounted AFTER DELETE ON certificates
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION certificates_count();

CREATE FUNCTION recognitions_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE recognition_counts c SET n = c.n - o.n
        FROM (SELECT region, month, home, COUNT(*) AS n FROM old_rows GROUP BY region, month, home) o
        WHERE c.region = o.region AND c.month = o.month AND c.home = o.home;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO recognition_counts AS c (region, month, home, n)
        SELECT region, month, home, COUNT(*) FROM new_rows GROUP BY region, month, home
        ON CONFLICT (region, month, home) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER recognitions_counted AFTER INSERT ON recognitions
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recognitions_count();

CREATE TRIGGER recognitions_recounted AFTER UPDATE ON recognitions
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION recognitions_count();

CREATE TRIGGER recognitions_uncounted AFTER DELETE ON recognitions
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION recognitions_count();

CREATE FUNCTION instruments_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE instrument_counts c SET n = c.n - o.n
        FROM (SELECT region, class, division, status, COUNT(*) AS n FROM old_rows GROUP BY region, class, division, status) o
        WHERE c.region = o.region AND c.class = o.class AND c.division = o.division AND c.status = o.status;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO instrument_counts AS c (region, class, division, status, n)
        SELECT region, class, division, status, COUNT(*) FROM new_rows GROUP BY region, class, division, status
        ON CONFLICT (region, class, division, status) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER instruments_counted AFTER INSERT ON instruments
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION instruments_count();

CREATE TRIGGER instruments_recounted AFTER UPDATE ON instruments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION instruments_count();

CREATE TRIGGER instruments_uncounted AFTER DELETE ON instruments
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION instruments_count();
