-- Version 2's triggers on PostgreSQL (after 0002_counts.sql): statement triggers over
-- transition tables, one grouped change a statement of up to thousands of rows (row triggers
-- cost PostgreSQL a quarter of its indexing rate).

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
