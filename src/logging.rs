//! `WSTLS_LOG=error|warn|info|debug|trace`: log records (rustls's own included) to stderr.
//!
//! Off by default. The variable is read once, by the first entry point called (every guard in
//! `ffi` and `WSAStartup` call [`init`]; after the first call that is one atomic load). When
//! it is unset, no logger is installed and `log`'s maximum level stays `Off`, so each `log`
//! macro in wstls and rustls costs one relaxed atomic load and a compare.
//!
//! Records look like `wstls[DEBUG rustls::client::hs] No cached session for ...`: the level,
//! the module that logged it (`wstls::...` or `rustls::...`) and the message, one per line.
use std::io::Write;

use once_cell::sync::OnceCell;

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            // One write per record (stderr is unbuffered; the lock keeps lines whole across
            // threads). A failing stderr is ignored: logging must never fail a call.
            let line = format!("wstls[{} {}] {}\n", r.level(), r.target(), r.args());
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;
static INIT: OnceCell<()> = OnceCell::new();

/// What a `WSTLS_LOG` value asks for: `Ok(None)` = logging off, `Err(())` = not a level name.
pub(crate) fn parse_level(value: &str) -> Result<Option<log::LevelFilter>, ()> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "off" | "none" | "0" => Ok(None),
        "error" => Ok(Some(log::LevelFilter::Error)),
        "warn" | "warning" => Ok(Some(log::LevelFilter::Warn)),
        "info" => Ok(Some(log::LevelFilter::Info)),
        "debug" => Ok(Some(log::LevelFilter::Debug)),
        "trace" => Ok(Some(log::LevelFilter::Trace)),
        _ => Err(()),
    }
}

/// Reads `WSTLS_LOG` once and installs the stderr logger if it names a level. Cheap after the
/// first call; safe to call from any entry point and any thread.
pub fn init() {
    INIT.get_or_init(|| {
        let Some(value) = std::env::var_os("WSTLS_LOG") else {
            return;
        };
        let value = value.to_string_lossy();
        let level = match parse_level(&value) {
            Ok(Some(level)) => level,
            Ok(None) => return,
            Err(()) => {
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "wstls: WSTLS_LOG={value:?} is not a log level; use error, warn, info, debug or trace (logging stays off)"
                );
                return;
            }
        };
        // If the program (a Rust program linking the rlib) installed its own logger, wstls's
        // and rustls's records go there and WSTLS_LOG does not change it.
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(level);
            log::info!(
                "wstls {} logging at level {} (WSTLS_LOG)",
                env!("CARGO_PKG_VERSION"),
                level
            );
        }
    });
}

#[cfg(test)]
mod tests {
    use super::parse_level;
    use log::LevelFilter;

    #[test]
    fn level_names() {
        assert_eq!(parse_level("error"), Ok(Some(LevelFilter::Error)));
        assert_eq!(parse_level("WARN"), Ok(Some(LevelFilter::Warn)));
        assert_eq!(parse_level("info"), Ok(Some(LevelFilter::Info)));
        assert_eq!(parse_level(" Debug "), Ok(Some(LevelFilter::Debug)));
        assert_eq!(parse_level("trace"), Ok(Some(LevelFilter::Trace)));
        assert_eq!(parse_level(""), Ok(None));
        assert_eq!(parse_level("off"), Ok(None));
        assert_eq!(parse_level("verbose"), Err(()));
    }
}
