-- Version 2's triggers on SQLite (after 0002_counts.sql): row triggers, in-process and cheap.

CREATE TRIGGER certificates_counted AFTER INSERT ON certificates BEGIN
    INSERT INTO certificate_counts (lab, month, status, region, n)
    VALUES (NEW.lab, NEW.anchored_month, NEW.status, NEW.region, 1)
    ON CONFLICT (lab, month, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER certificates_uncounted AFTER DELETE ON certificates BEGIN
    UPDATE certificate_counts SET n = n - 1
    WHERE lab = OLD.lab AND month = OLD.anchored_month AND status = OLD.status;
END;

CREATE TRIGGER certificates_recounted AFTER UPDATE ON certificates
WHEN OLD.lab <> NEW.lab OR OLD.anchored_month <> NEW.anchored_month
    OR OLD.status <> NEW.status OR OLD.region <> NEW.region
BEGIN
    UPDATE certificate_counts SET n = n - 1
    WHERE lab = OLD.lab AND month = OLD.anchored_month AND status = OLD.status;
    INSERT INTO certificate_counts (lab, month, status, region, n)
    VALUES (NEW.lab, NEW.anchored_month, NEW.status, NEW.region, 1)
    ON CONFLICT (lab, month, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER recognitions_counted AFTER INSERT ON recognitions BEGIN
    INSERT INTO recognition_counts (region, month, home, n)
    VALUES (NEW.region, NEW.month, NEW.home, 1)
    ON CONFLICT (region, month, home) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER recognitions_uncounted AFTER DELETE ON recognitions BEGIN
    UPDATE recognition_counts SET n = n - 1
    WHERE region = OLD.region AND month = OLD.month AND home = OLD.home;
END;

CREATE TRIGGER recognitions_recounted AFTER UPDATE ON recognitions
WHEN OLD.region <> NEW.region OR OLD.month <> NEW.month OR OLD.home <> NEW.home
BEGIN
    UPDATE recognition_counts SET n = n - 1
    WHERE region = OLD.region AND month = OLD.month AND home = OLD.home;
    INSERT INTO recognition_counts (region, month, home, n)
    VALUES (NEW.region, NEW.month, NEW.home, 1)
    ON CONFLICT (region, month, home) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER instruments_counted AFTER INSERT ON instruments BEGIN
    INSERT INTO instrument_counts (region, class, division, status, n)
    VALUES (NEW.region, NEW.class, NEW.division, NEW.status, 1)
    ON CONFLICT (region, class, division, status) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER instruments_uncounted AFTER DELETE ON instruments BEGIN
    UPDATE instrument_counts SET n = n - 1
    WHERE region = OLD.region AND class = OLD.class AND division = OLD.division
        AND status = OLD.status;
END;

CREATE TRIGGER instruments_recounted AFTER UPDATE ON instruments
WHEN OLD.region <> NEW.region OR OLD.class <> NEW.class OR OLD.division <> NEW.division
    OR OLD.status <> NEW.status
BEGIN
    UPDATE instrument_counts SET n = n - 1
    WHERE region = OLD.region AND class = OLD.class AND division = OLD.division
        AND status = OLD.status;
    INSERT INTO instrument_counts (region, class, division, status, n)
    VALUES (NEW.region, NEW.class, NEW.division, NEW.status, 1)
    ON CONFLICT (region, class, division, status) DO UPDATE SET n = n + 1;
END;
