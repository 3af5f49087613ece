//! Writes the seed corpora: `fuzz-seeds DIR` makes `DIR/<target>/<seed>` for every target.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        anyhow::bail!("usage: fuzz-seeds DIR (writes DIR/<target>/<seed> for every target)");
    };
    let seeds = hengxin_fuzz::seeds::all();
    for (target, name, bytes) in &seeds {
        let target_dir = dir.join(target);
        std::fs::create_dir_all(&target_dir)?;
        std::fs::write(target_dir.join(name), bytes)?;
    }
    println!("{} seeds in {}", seeds.len(), dir.display());
    Ok(())
}
