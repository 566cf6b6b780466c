//! `WSTLS_LOG=error|warn|info|debug|trace`: log records (rustls's own included) to stderr.
//! Off by default; when off, the `log` macros cost one atomic load.
use once_cell::sync::OnceCell;

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("wstls[{}] {}: {}", r.level(), r.target(), r.args());
        }
    }
    fn flush(&self) {}
}

static LOGGER: StderrLogger = StderrLogger;
static INIT: OnceCell<()> = OnceCell::new();

/// Reads `WSTLS_LOG` once and installs the logger if asked for.
pub fn init() {
    INIT.get_or_init(|| {
        let level = match std::env::var("WSTLS_LOG")
            .ok()
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("error") => log::LevelFilter::Error,
            Some("warn") => log::LevelFilter::Warn,
            Some("info") => log::LevelFilter::Info,
            Some("debug") => log::LevelFilter::Debug,
            Some("trace") => log::LevelFilter::Trace,
            _ => return,
        };
        if log::set_logger(&LOGGER).is_ok() {
            log::set_max_level(level);
        }
    });
}
