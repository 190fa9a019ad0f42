//! Renders command models as table, wide table, JSON, YAML or names. JSON
//! and YAML print the model itself, so scripts see what the table shows.

use std::io::{self, BufWriter, Write};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::commands::audit::AuditTrail;
use crate::error::{Error, Result, io_error};

mod progress;
mod prompt;
mod render;
mod table;

pub use progress::progress_for_stderr;
pub use prompt::confirm;

/// A model that can be shown as a table and as names.
pub trait Render: Serialize {
    fn write_table(&self, out: &mut dyn Write, wide: bool) -> io::Result<()>;
    fn write_names(&self, out: &mut dyn Write) -> io::Result<()>;
}

pub fn print<T: Render + ?Sized>(model: &T, format: OutputFormat) -> Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    write(&mut out, model, format)?;
    out.flush().map_err(io_error)
}

pub fn write<T: Render + ?Sized>(
    out: &mut dyn Write,
    model: &T,
    format: OutputFormat,
) -> Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, model)
                .map_err(|e| Error::Other(e.to_string()))?;
            writeln!(out).map_err(io_error)
        }
        OutputFormat::Yaml => {
            let text = serde_yaml::to_string(model).map_err(|e| Error::Other(e.to_string()))?;
            out.write_all(text.as_bytes()).map_err(io_error)
        }
        OutputFormat::Table => model.write_table(out, false).map_err(io_error),
        OutputFormat::Wide => model.write_table(out, true).map_err(io_error),
        OutputFormat::Name => model.write_names(out).map_err(io_error),
    }
}

/// One document of a stream (`-f -o json|yaml`): pretty JSON, or YAML
/// after a `---` line.
pub fn print_value<T: Serialize>(value: &T, format: OutputFormat) -> Result<()> {
    let mut out = io::stdout().lock();
    let text = match format {
        OutputFormat::Yaml => serde_yaml::to_string(value)
            .map(|yaml| format!("---\n{yaml}"))
            .map_err(|e| Error::Other(e.to_string()))?,
        _ => serde_json::to_string_pretty(value)
            .map(|json| format!("{json}\n"))
            .map_err(|e| Error::Other(e.to_string()))?,
    };
    out.write_all(text.as_bytes()).map_err(io_error)?;
    out.flush().map_err(io_error)
}

/// Writes a note for people to stderr (hints, confirmations), never to stdout,
/// so stdout stays parseable.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

/// An age as kubectl shows it: 45s, 12m, 5h, 3d.
pub fn age(created: Option<&Time>) -> String {
    let Some(created) = created else {
        return "<unknown>".into();
    };
    let now = k8s_openapi::jiff::Timestamp::now();
    let secs = now.as_second().saturating_sub(created.0.as_second()).max(0);
    match secs {
        0..=119 => format!("{secs}s"),
        120..=7199 => format!("{}m", secs / 60),
        7200..=172_799 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    }
}

/// Audit rows as `audit --follow` prints them: JSON and YAML one document
/// per record, a table's header once.
pub fn audit_rows(trail: AuditTrail, format: OutputFormat) -> Result<()> {
    match format {
        OutputFormat::Json | OutputFormat::Yaml => {
            for row in &trail.records {
                print_value(row, format)?;
            }
            Ok(())
        }
        _ if trail.records.is_empty() && !trail.headers => Ok(()),
        _ => {
            print(&trail, format)?;
            std::io::stdout().flush().map_err(io_error)
        }
    }
}
