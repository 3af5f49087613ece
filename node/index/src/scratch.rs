//! A PostgreSQL server of its own in a temporary directory, for tests and benchmarks: Debian's
//! `postgresql` binaries, run as the `postgres` user when this process is root (PostgreSQL
//! refuses to run as root), on a free port of a loopback address of its own, stopped and
//! removed when dropped.

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU8, Ordering};

/// A loopback address of 127/8 that no other of this process's last 253 calls was given, with
/// `n` distinct ports free on it.
///
/// Ports picked on 127.0.0.1 and let go before a node binds them race with every outbound
/// connection (each takes an ephemeral port from the same range on 127.0.0.1): a node dialing
/// a peer that is not listening yet can take the very port that peer is about to bind. Nothing
/// binds or dials from a private address but the nodes given it, so its ports stay free.
pub fn private_ports(n: usize) -> std::io::Result<(Ipv4Addr, Vec<u16>)> {
    static NEXT: AtomicU8 = AtomicU8::new(0);
    let pid = std::process::id();
    let host = Ipv4Addr::new(
        127,
        64 + (pid & 0x7f) as u8,
        (pid >> 7) as u8,
        2 + NEXT.fetch_add(1, Ordering::Relaxed) % 253,
    );
    let held = (0..n)
        .map(|_| TcpListener::bind((host, 0)))
        .collect::<std::io::Result<Vec<_>>>()?;
    let ports = held
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect::<std::io::Result<_>>()?;
    Ok((host, ports))
}

/// A running scratch server.
#[derive(Debug)]
pub struct ScratchPostgres {
    bin: PathBuf,
    dir: PathBuf,
    host: Ipv4Addr,
    port: u16,
    as_postgres: bool,
}

fn run(mut command: Command, what: &str) -> Result<Output, String> {
    let output = command
        .output()
        .map_err(|e| format!("{what}: cannot run it ({e})"))?;
    if !output.status.success() {
        return Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(output)
}

/// The newest installed server's `bin` directory.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "PostgreSQL's server is not installed: `apt-get install postgresql` (tests/run \
             --setup-only installs it)"
                .to_owned()
        })?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| "no PostgreSQL server under /usr/lib/postgresql".to_owned())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl ScratchPostgres {
    /// Creates a cluster in a new temporary directory and starts it.
    pub fn start() -> Result<ScratchPostgres, String> {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let bin = bin_dir()?;
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hengxin-pg-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let as_postgres = is_root();
        if as_postgres {
            let mut chown = Command::new("chown");
            chown.args(["postgres:postgres"]).arg(&dir);
            run(chown, "chown postgres")?;
        }
        let (host, ports) = private_ports(1).map_err(|e| format!("no free port: {e}"))?;
        let server = ScratchPostgres {
            bin,
            dir,
            host,
            port: ports[0],
            as_postgres,
        };
        let mut initdb = server.command("initdb");
        initdb
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "-D",
            ])
            .arg(server.data());
        run(initdb, "initdb")?;
        server.start_server()?;
        Ok(server)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match self.as_postgres {
            true => {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(path);
                c
            }
            false => Command::new(path),
        }
    }

    fn start_server(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -k {} -c listen_addresses={} -c fsync=off -c max_connections=50",
            self.port,
            self.dir.display(),
            self.host
        );
        let mut start = self.command("pg_ctl");
        start
            .args(["-w", "-t", "60", "-D"])
            .arg(self.data())
            .args(["-l"])
            .arg(self.dir.join("server.log"))
            .args(["-o", &options, "start"]);
        run(start, "pg_ctl start").map(drop)
    }

    /// Its URL (the `postgres` database, user `postgres`, no password on loopback).
    pub fn url(&self) -> String {
        format!("postgres://postgres@{}:{}/postgres", self.host, self.port)
    }

    /// Kills the server at once (SIGKILL to the postmaster), as a crash would.
    pub fn kill(&self) -> Result<(), String> {
        let pid = std::fs::read_to_string(self.data().join("postmaster.pid"))
            .map_err(|e| format!("postmaster.pid: {e}"))?;
        let pid = pid.lines().next().unwrap_or_default().trim().to_owned();
        // The postmaster and its backends at once: no process finishes a transaction.
        let children = Command::new("pgrep")
            .args(["-P", &pid])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let mut kill = Command::new("kill");
        kill.arg("-KILL")
            .arg(&pid)
            .args(children.split_whitespace());
        run(kill, "kill the server")?;
        // Its backends go when they notice; wait until none holds the data directory.
        for _ in 0..100 {
            let mut status = self.command("pg_ctl");
            status.arg("-D").arg(self.data()).arg("status");
            if !status.output().is_ok_and(|o| o.status.success()) {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        Err("the killed server still runs after 10 s".into())
    }

    /// Starts it again after [`ScratchPostgres::kill`]: it recovers from its WAL.
    pub fn restart(&self) -> Result<(), String> {
        let _ = std::fs::remove_file(self.data().join("postmaster.pid"));
        self.start_server()
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ScratchPostgres {
    fn drop(&mut self) {
        let mut stop = self.command("pg_ctl");
        stop.args(["-w", "-D"])
            .arg(self.data())
            .args(["-m", "immediate", "stop"]);
        let _ = stop.output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
