//! Every write to stdout and stderr goes through here, and every one is fallible: a reader that
//! closes the pipe early (`| head`) ends the run quietly with its normal exit code, never with a
//! panic (`println!`/`eprintln!` panic on a closed stream, so clippy refuses them elsewhere:
//! `print_stdout` and `print_stderr` in Cargo.toml).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Write a message line to stderr. A closed or failing stderr is ignored: there is nowhere left
/// to say anything, and the exit code still tells the outcome.
pub fn err_line(msg: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(msg.as_bytes())
        .and_then(|()| err.write_all(b"\n"))
        .and_then(|()| err.flush());
}

/// `eprintln!` without the panic: format a line and write it with [`err_line`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::output::err_line(&format!($($arg)*))
    };
}

/// Write a rendered report to stdout. A closed pipe (e.g. `| head`) is not an error: what the
/// reader wanted, it has. Any other failure is said on stderr and remembered, so the run does
/// not exit as if the report had been delivered ([`stdout_failed`]).
pub fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            err_line(&format!(
                "error: could not write the report to stdout: {e}\n  help: check where stdout goes (a full disk, a closed file)"
            ));
            STDOUT_FAILED.store(true, Ordering::Relaxed);
        }
    }
}

/// Whether a report could not be written (other than the reader closing the pipe): the run
/// must not then exit 0 or 1 as if the report had been delivered.
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::Relaxed)
}

/// The writer for log lines (tracing): stderr, with write errors swallowed so a closed stderr
/// never stops or panics the run.
pub struct LogWriter;

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = std::io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = std::io::stderr().flush();
        Ok(())
    }
}
