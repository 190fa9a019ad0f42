//! kubectl-style tables: no borders, upper-case headers, aligned columns.

use comfy_table::{ContentArrangement, Table, presets};

pub fn new(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers.iter().copied());
    for column in table.column_iter_mut() {
        column.set_padding((0, 3));
    }
    table
}

/// The table as text, with the trailing spaces of the last column trimmed.
pub fn render(table: &Table) -> String {
    let mut text = String::new();
    for line in table.to_string().lines() {
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}
